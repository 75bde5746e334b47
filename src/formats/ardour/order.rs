//! Ardour's presentation order after a regrouping: which order number every route and new bus
//! gets, so that routes no rule touched keep their place in Ardour's order.
//!
//! Ardour orders routes by `PresentationInfo@order` (or `order-keys` / `order-key` before 5),
//! and premix reads a bus's members after it ([`super::read`]): only the order of siblings (the
//! members of one bus, or the routes at the top) matters for what premix reads back. So the
//! routes a plan leaves where they are (not moved into another bus, not new) keep their
//! relative order; a moved route goes in among its new siblings where the plan's layout puts
//! it, right after the previous sibling and what that one holds; a new bus goes where its first
//! member was. Numbers then run upwards along that sequence, keeping a route's own number
//! whenever it is still above the one before, so a route only gets a new number when something
//! was inserted in front of it. Master, monitor and foldback buses (listed apart by Ardour and
//! by premix) are left as they are, and no route is given one of their numbers.

use super::read::{ArdourDoc, RouteKind};
use crate::plan::{Layout, Slot};
use std::collections::HashSet;

/// A route of the session, or a bus the plan creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Item {
    Route(usize),
    NewBus(usize),
}

/// The order number of every route and new bus premix arranges, in Ardour's new order.
/// `moved`: the routes the plan puts under another bus. Routes the layout drops (removed)
/// and routes listed apart (master, monitor, foldback) are not in it.
pub(super) fn new_orders(
    doc: &ArdourDoc,
    layout: &Layout,
    moved: &HashSet<usize>,
) -> Vec<(Item, i64)> {
    let item_of = |slot: usize| match layout.slots[slot] {
        Slot::Track(t) => Item::Route(doc.track_routes[t]),
        Slot::NewBus(k) => Item::NewBus(k),
    };
    let apart = |route: usize| {
        matches!(
            doc.routes[route].kind,
            RouteKind::Master | RouteKind::Monitor | RouteKind::FoldbackBus
        )
    };
    let arranged = |slot: usize| match item_of(slot) {
        Item::Route(r) => !apart(r),
        Item::NewBus(_) => true,
    };
    let pinned = |slot: usize| matches!(item_of(slot), Item::Route(r) if !moved.contains(&r));

    // Slots in Ardour's new order: the pinned ones first, in their own order...
    let mut sequence: Vec<usize> = (0..layout.slots.len())
        .filter(|&s| arranged(s) && pinned(s))
        .collect();
    sequence.sort_by_key(|&s| match item_of(s) {
        Item::Route(r) => (doc.routes[r].order, r),
        Item::NewBus(_) => (i64::MAX, usize::MAX),
    });
    // ...then each other one among its siblings, in layout order.
    let is_within = |slot: usize, ancestor: usize| {
        let mut p = layout.parents[slot];
        while let Some(x) = p {
            if x == ancestor {
                return true;
            }
            p = layout.parents[x];
        }
        false
    };
    for slot in (0..layout.slots.len()).filter(|&s| arranged(s) && !pinned(s)) {
        let parent = layout.parents[slot];
        let siblings: Vec<usize> = (0..layout.slots.len())
            .filter(|&s| s != slot && layout.parents[s] == parent && arranged(s))
            .collect();
        let position = |s: usize| sequence.iter().position(|&x| x == s);
        // As late as after the previous sibling and what it holds (or after the parent)...
        let after = siblings
            .iter()
            .rev()
            .filter(|&&s| s < slot)
            .find_map(|&s| position(s).map(|p| (s, p)))
            .map(|(s, p)| {
                let held = sequence[p + 1..]
                    .iter()
                    .take_while(|&&x| is_within(x, s))
                    .count();
                p + 1 + held
            })
            .or_else(|| parent.and_then(position).map(|p| p + 1))
            .unwrap_or(0);
        // ...but before the next sibling already placed.
        let before = siblings
            .iter()
            .filter(|&&s| s > slot)
            .find_map(|&s| position(s))
            .unwrap_or(sequence.len());
        sequence.insert(after.min(before), slot);
    }

    // Numbers upwards along the sequence, none of them taken by the routes left apart.
    let reserved: HashSet<i64> = doc
        .routes
        .iter()
        .enumerate()
        .filter(|(i, _)| apart(*i))
        .map(|(_, r)| r.order)
        .collect();
    let first = sequence
        .iter()
        .filter_map(|&s| match item_of(s) {
            Item::Route(r) => Some(doc.routes[r].order),
            Item::NewBus(_) => None,
        })
        .min()
        .unwrap_or(1);
    let mut last = first - 1;
    sequence
        .into_iter()
        .map(|slot| {
            let item = item_of(slot);
            let own = match item {
                Item::Route(r) if pinned(slot) => Some(doc.routes[r].order),
                _ => None,
            };
            let number = match own {
                Some(o) if o > last => o,
                _ => {
                    let mut n = last + 1;
                    while reserved.contains(&n) {
                        n += 1;
                    }
                    n
                }
            };
            last = number;
            (item, number)
        })
        .collect()
}
