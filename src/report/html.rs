//! The HTML before/after report of `premix report`: one self-contained page (inline CSS and a
//! few lines of inline JS, no network, no fonts, no external assets) for a whole run.
//!
//! Each project shows its track list before and after side by side as a DAW draws it: a
//! colour bar per track, the name indented by the bus tree, unused tracks greyed and struck,
//! new buses marked; then each change with the rule that asked for it. Everything taken from
//! a project or a rules file is escaped with [`escape`].
//!
//! Layout contract (the browser test in `tests/browser/` relies on it): track rows are 22 px
//! tall with an 18 px colour bar 12 px wide at the row's left edge (tracks without a colour get
//! a `#c8c8c8` bar); nothing else on the page is drawn in a track colour; the "after" list sits
//! [`AFTER_OFFSET_PX`] to the right of the "before" list.
//!
//! Names (tracks, projects) are shown as the DAW shows them, runs of spaces included
//! (REAPER keeps "Gtr  Middle SM57" with two spaces, `jonch070__Song_with_Sends.RPP`): every
//! element a name shows in is `white-space: pre` (one line: track lists, tables) or
//! `pre-wrap` (the change list, the project's heading), never the collapsing `normal` or
//! `nowrap`; a line break in a name is shown as `↵` ([`super::one_line`]) or escaped.

use super::human::count;
use super::{describe, track_label};
use crate::findings;
use crate::plan::{Action, Plan, Slot};
use crate::session::{Rgb, Session, TrackKind};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Horizontal distance from the "before" list to the "after" list, in CSS pixels.
pub const AFTER_OFFSET_PX: u32 = 440;
/// Colour bar of a track without a colour.
pub const NO_COLOUR: &str = "#c8c8c8";
/// Projects are open (`<details open>`) when a run has at most this many.
pub const OPEN_UP_TO: usize = 10;

/// What became of one project of the run.
pub enum Outcome<'a> {
    Planned {
        session: &'a Session,
        plan: &'a Plan,
        rules: &'a str,
    },
    Failed(&'a str),
}

pub struct ProjectView<'a> {
    pub path: String,
    pub outcome: Outcome<'a>,
    /// The project's preflight (measures and problems per track), when the audio was analysed.
    pub preflight: Option<&'a crate::preflight::ProjectReport>,
}

/// `<`, `>`, `&`, `"` and `'` as entities: safe in text and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{color-scheme:light}
body{margin:0;padding:16px 24px;background:#ffffff;color:#202020;font:14px/20px system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:20px;margin:0 0 8px}
.sum{margin:0 0 12px;color:#555}
table.idx{border-collapse:collapse;margin:0 0 20px}
table.idx td,table.idx th{padding:2px 10px 2px 0;text-align:left;white-space:pre}
table.idx th{color:#555;font-weight:600}
.st{font-weight:600}.st-changed{color:#9a6700}.st-unchanged{color:#1a7f37}.st-error{color:#cf222e}
details.p{border-top:1px solid #d0d0d0;padding:8px 0}
details.p>summary{cursor:pointer;font-weight:600;font-size:15px;white-space:pre-wrap}
.meta{color:#555;font-weight:400;font-size:13px}
.sides{display:flex;gap:0;margin:10px 0}
.side{flex:none;width:420px;margin-right:20px}
.side h3{font-size:13px;line-height:18px;margin:0 0 4px;color:#555;text-transform:uppercase;letter-spacing:.05em}
ol.tracks{list-style:none;margin:0;padding:0;background:#2b2b2b}
ol.tracks li{display:flex;align-items:center;height:22px;margin:0;padding:0;color:#e8e8e8;white-space:pre;overflow:hidden}
ol.tracks li:nth-child(even){background:#303030}
ol.tracks i{flex:none;display:block;width:12px;height:18px;margin:0}
ol.tracks span{padding-left:calc(8px + var(--d,0) * 18px);overflow:hidden;text-overflow:ellipsis}
ol.tracks li.bus span{font-weight:700}
ol.tracks li.bus span::before{content:"\25BE\00A0";color:#9a9a9a}
ol.tracks li.u span{color:#8a8a8a;text-decoration:line-through}
ol.tracks li.x span{color:#8a8a8a;text-decoration:line-through}
ol.tracks li.c span{color:#ffffff}
ol.tracks li.c span::after{content:"\00A0\2022";color:#f0c040}
ol.tracks b{flex:none;margin-left:8px;padding:0 5px;border-radius:3px;font-size:11px;font-weight:600;background:#4a6fa5;color:#fff}
ol.tracks b.un{background:#555;color:#ccc}
ol.tracks b.rm{background:#8b3a3a}
ol.tracks b.m{background:#b8860b;color:#fff}
ol.ch{margin:6px 0 0;padding-left:22px;font-size:13px}
ol.ch li{margin:1px 0;white-space:pre-wrap}
.sw{display:inline-block;width:10px;height:10px;margin:0 3px 0 0;vertical-align:-1px;border:1px solid #888}
.o{color:#6e6e6e;font-family:ui-monospace,monospace;font-size:12px;margin-left:6px}
.note{color:#9a6700}
.err{color:#cf222e;font-family:ui-monospace,monospace;white-space:pre-wrap}
.tools{margin:0 0 10px}
table.pf{border-collapse:collapse;margin:10px 0 4px;font-size:13px}
table.pf th,table.pf td{padding:1px 10px 1px 0;text-align:right;white-space:nowrap}
table.pf th{color:#555;font-weight:600}
table.pf td.n,table.pf th.n{text-align:left;white-space:pre}
table.pf td.bad{color:#cf222e;font-weight:600}
table.pf em{font-style:normal;display:inline-block;margin:0 4px 0 0;padding:0 5px;border-radius:3px;font-size:11px;font-weight:600;color:#fff;background:#9a6700}
table.pf em.error{background:#cf222e}
.pf-ok{color:#1a7f37}
.tools button{font:inherit;font-size:12px;margin-right:6px}
"#;

const JS: &str = r#"
function premixAll(open){for(const d of document.querySelectorAll('details.p'))d.open=open;}
function premixOpen(){const d=document.getElementById(location.hash.slice(1));if(d&&d.tagName==='DETAILS')d.open=true;}
addEventListener('hashchange',premixOpen);addEventListener('DOMContentLoaded',premixOpen);
"#;

fn colour_bar(color: Option<Rgb>) -> String {
    let c = color.map_or_else(|| NO_COLOUR.to_string(), |c| c.to_string());
    format!("<i style=\"background:{c}\"></i>")
}

/// A small inline swatch for the list of changes (an empty box for no colour).
fn swatch(color: Option<Rgb>) -> String {
    match color {
        Some(c) => format!("<i class=\"sw\" style=\"background:{c}\"></i>"),
        None => "<i class=\"sw\"></i>".to_string(),
    }
}

fn origin_text(o: &crate::plan::Origin) -> String {
    format!("{}:{} {}", o.file, o.line, o.label)
}

/// How a page says premix wrote it: `report --html` replaces only a file that says so.
pub const GENERATOR: &str = "<meta name=\"generator\" content=\"premix report\">";

/// True when `head` (the first kilobytes of a file) is the start of a page premix wrote:
/// one with [`GENERATOR`], or an earlier version's page (its head up to its title).
pub fn is_premix_report(head: &[u8]) -> bool {
    let found = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    head.starts_with(b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        && (found(GENERATOR.as_bytes()) || found(b"<title>premix report</title>"))
}

/// The whole page for a run.
pub fn render(title: &str, projects: &[ProjectView]) -> String {
    let mut out = String::with_capacity(4096 + projects.len() * 4096);
    let (mut changed, mut errors, mut flagged) = (0, 0, 0);
    for p in projects {
        match &p.outcome {
            Outcome::Planned { plan, .. } => {
                changed += usize::from(plan.edits_file());
                flagged += plan.flags().count();
            }
            Outcome::Failed(_) => errors += 1,
        }
    }
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{GENERATOR}\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <title>{}</title><style>{CSS}</style><script>{JS}</script></head><body>\n",
        escape(title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    let _ = writeln!(
        out,
        "<p class=\"sum\">{}: {changed} would change, {}, {}</p>",
        count(projects.len(), "project", "projects"),
        count(flagged, "track flagged", "tracks flagged"),
        count(errors, "error", "errors")
    );
    out.push_str(
        "<div class=\"tools\"><button type=\"button\" onclick=\"premixAll(true)\">Expand all</button>\
         <button type=\"button\" onclick=\"premixAll(false)\">Collapse all</button></div>\n",
    );
    index(&mut out, projects);
    let open = if projects.len() <= OPEN_UP_TO {
        " open"
    } else {
        ""
    };
    for (i, p) in projects.iter().enumerate() {
        match &p.outcome {
            Outcome::Planned {
                session,
                plan,
                rules,
            } => project(
                &mut out,
                i,
                &p.path,
                (session, plan, rules),
                p.preflight,
                open,
            ),
            Outcome::Failed(message) => {
                let _ = writeln!(
                    out,
                    "<details class=\"p\" id=\"p{i}\" open><summary>{} <span class=\"st st-error\">error</span></summary>\
                     <p class=\"err\">{}</p></details>",
                    escape(&p.path),
                    escape(message)
                );
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn index(out: &mut String, projects: &[ProjectView]) {
    out.push_str(
        "<table class=\"idx\"><thead><tr><th>#</th><th>project</th><th>status</th><th>changes</th><th>flagged</th><th>preflight</th></tr></thead><tbody>\n",
    );
    for (i, p) in projects.iter().enumerate() {
        let (status, changes, flags) = match &p.outcome {
            Outcome::Planned { plan, .. } => (
                if plan.edits_file() {
                    "changed"
                } else {
                    "unchanged"
                },
                (plan.changes.iter().filter(|c| c.edits_file()).count() + plan.new_buses.len())
                    .to_string(),
                plan.flags().count().to_string(),
            ),
            Outcome::Failed(_) => ("error", "-".into(), "-".into()),
        };
        let audio = p.preflight.map_or_else(
            || "-".to_string(),
            |r| {
                use crate::preflight::{Severity, count};
                let (e, w) = (count(r, Severity::Error), count(r, Severity::Warning));
                if e + w == 0 {
                    "ready to mix".to_string()
                } else {
                    format!("{e} errors, {w} warnings")
                }
            },
        );
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><a href=\"#p{i}\">{}</a></td><td class=\"st st-{status}\">{status}</td><td>{changes}</td><td>{flags}</td><td>{audio}</td></tr>",
            i + 1,
            escape(&p.path)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn project(
    out: &mut String,
    i: usize,
    path: &str,
    (session, plan, rules): (&Session, &Plan, &str),
    audio: Option<&crate::preflight::ProjectReport>,
    open: &str,
) {
    let status = if plan.edits_file() {
        "changed"
    } else {
        "unchanged"
    };
    let _ = writeln!(
        out,
        "<details class=\"p\" id=\"p{i}\"{open}><summary>{} <span class=\"st st-{status}\">{status}</span> \
         <span class=\"meta\">{}, {}, rules {}</span></summary>",
        escape(path),
        session.format,
        count(session.tracks.len(), "track", "tracks"),
        escape(rules)
    );

    let flagged: BTreeSet<usize> = plan.flags().map(|c| c.track).collect();
    let removed: BTreeSet<usize> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Remove))
        .map(|c| c.track)
        .collect();
    // The rules that touched each original track, for the after row's tooltip.
    let mut touched: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for c in plan.changes.iter().filter(|c| c.edits_file()) {
        let rules = touched.entry(c.track).or_default();
        let o = origin_text(&c.origin);
        if !rules.contains(&o) {
            rules.push(o);
        }
    }

    out.push_str("<div class=\"sides\"><div class=\"side\"><h3>Before</h3><ol class=\"tracks\">\n");
    let before_names = session.shown_names();
    for t in &session.tracks {
        let mut class = Vec::new();
        if t.kind == TrackKind::Bus {
            class.push("bus");
        }
        let mut badge = String::new();
        if removed.contains(&t.index) {
            class.push("x");
            badge.push_str("<b class=\"rm\">removed</b>");
        } else if flagged.contains(&t.index) {
            class.push("u");
            badge.push_str("<b class=\"un\">unused</b>");
        }
        if t.muted {
            badge.push_str("<b class=\"m\">M</b>");
        }
        row(
            out,
            &class,
            session.depth(t.index),
            t.color,
            &before_names[t.index],
            &badge,
            None,
        );
    }
    out.push_str("</ol></div>\n<div class=\"side\"><h3>After</h3><ol class=\"tracks\">\n");
    let after = plan.predict(session);
    let after_names = after.shown_names();
    let layout = plan.layout(session);
    let depths = layout.depths();
    for (slot_index, slot) in layout.slots.iter().enumerate() {
        let a = &after.tracks[slot_index];
        let mut class = Vec::new();
        if a.kind == TrackKind::Bus {
            class.push("bus");
        }
        let mut badge = String::new();
        let mut title = None;
        match *slot {
            Slot::NewBus(k) => {
                badge.push_str("<b>new bus</b>");
                title = Some(origin_text(&plan.new_buses[k].origin));
            }
            Slot::Track(t) => {
                if let Some(rules) = touched.get(&t) {
                    class.push("c");
                    title = Some(rules.join(", "));
                }
                if flagged.contains(&t) {
                    class.push("u");
                    badge.push_str("<b class=\"un\">unused</b>");
                }
            }
        }
        if a.muted {
            badge.push_str("<b class=\"m\">M</b>");
        }
        row(
            out,
            &class,
            depths[slot_index],
            a.color,
            &after_names[slot_index],
            &badge,
            title.as_deref(),
        );
    }
    out.push_str("</ol></div></div>\n");

    if plan.new_buses.is_empty() && plan.changes.is_empty() && plan.notes.is_empty() {
        out.push_str("<p class=\"meta\">Nothing to change.</p>\n");
    } else {
        out.push_str("<ol class=\"ch\">\n");
        for bus in &plan.new_buses {
            let _ = writeln!(
                out,
                "<li>new bus {}{}<span class=\"o\">[{}]</span></li>",
                escape(&format!("{:?}", bus.name)),
                bus.color
                    .map_or_else(String::new, |c| format!(" {}{c}", swatch(Some(c)))),
                escape(&origin_text(&bus.origin))
            );
        }
        for c in &plan.changes {
            let what = match &c.action {
                Action::Recolor { to } => {
                    let from = session.tracks.get(c.track).and_then(|t| t.color);
                    format!(
                        "colour {}{} → {}{to}",
                        swatch(from),
                        from.map_or_else(|| "none".to_string(), |c| c.to_string()),
                        swatch(Some(*to))
                    )
                }
                _ => escape(&describe(session, plan, c)),
            };
            let _ = writeln!(
                out,
                "<li>{}: {what}<span class=\"o\">[{}]</span></li>",
                escape(&track_label(session, c.track)),
                escape(&origin_text(&c.origin))
            );
        }
        // Notes, by their severity as findings (flags are shown as changes above).
        for f in findings::of(session, plan)
            .iter()
            .filter(|f| f.code != findings::Code::Unused)
        {
            let track = escape(&super::finding_tracks(session, f));
            let origin = f.origin.map_or_else(String::new, |o| {
                format!("<span class=\"o\">[{}]</span>", escape(&origin_text(o)))
            });
            let _ = writeln!(
                out,
                "<li class=\"note\">{}: {track}{}{origin}</li>",
                f.severity(),
                escape(&f.message)
            );
        }
        out.push_str("</ol>\n");
    }
    if let Some(report) = audio {
        preflight(out, report);
    }
    out.push_str("</details>\n");
}

/// The preflight of a project: measures per track (rate, depth, peak, true peak, loudness,
/// loudness range, seconds played) and a badge per problem, its detail on hover.
fn preflight(out: &mut String, report: &crate::preflight::ProjectReport) {
    use crate::preflight::Severity;
    let level = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"));
    let errors = crate::preflight::count(report, Severity::Error);
    let warnings = crate::preflight::count(report, Severity::Warning);
    let verdict = if errors + warnings == 0 {
        "<span class=\"pf-ok\">ready to mix</span>".to_string()
    } else {
        format!("{errors} errors, {warnings} warnings")
    };
    let _ = writeln!(
        out,
        "<h3 class=\"meta\">Preflight: {verdict}</h3><table class=\"pf\"><thead><tr><th>#</th>\
         <th class=\"n\">track</th><th>rate</th><th>bits</th><th>ch</th><th>peak dBFS</th>\
         <th>true peak dBTP</th><th>LUFS</th><th>LRA LU</th><th>played s</th>\
         <th class=\"n\">problems</th></tr></thead><tbody>"
    );
    for t in &report.tracks {
        if t.measures.is_none() && t.issues.is_empty() {
            continue;
        }
        let m = t.measures.clone().unwrap_or_default();
        let hot = |v: Option<f64>, limit: f64| {
            if v.is_some_and(|v| v > limit) {
                " class=\"bad\""
            } else {
                ""
            }
        };
        let badges: String = t
            .issues
            .iter()
            .map(|i| {
                format!(
                    "<em class=\"{}\" title=\"{}\">{}</em>",
                    i.severity.as_str(),
                    escape(&i.detail),
                    i.kind.as_str()
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td>\
             <td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{badges}</td></tr>",
            t.index + 1,
            escape(&t.name),
            m.sample_rate.map_or("-".into(), |r| r.to_string()),
            m.bit_depth.map_or("-".into(), |b| b.to_string()),
            m.channels.map_or("-".into(), |c| c.to_string()),
            hot(m.peak_dbfs, -0.01),
            level(m.peak_dbfs),
            hot(m.true_peak_dbtp, 0.0),
            level(m.true_peak_dbtp),
            level(m.integrated_lufs),
            level(m.loudness_range_lu),
            if t.measures.is_some() {
                format!("{:.1}", m.duration_s)
            } else {
                "-".into()
            },
        );
    }
    out.push_str("</tbody></table>\n");
}

fn row(
    out: &mut String,
    class: &[&str],
    depth: usize,
    color: Option<Rgb>,
    name: &str,
    badge: &str,
    title: Option<&str>,
) {
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{}\"", class.join(" "))
    };
    let title = title.map_or_else(String::new, |t| format!(" title=\"{}\"", escape(t)));
    let depth = if depth > 0 {
        format!(" style=\"--d:{}\"", depth.min(12))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<li{class}{title}>{}<span{depth}>{}</span>{badge}</li>",
        colour_bar(color),
        escape(&super::one_line(name))
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Format, Track};

    fn session(names: &[&str]) -> Session {
        Session {
            format: Format::Rpp,
            media: Default::default(),
            name_display: Default::default(),
            tracks: names
                .iter()
                .enumerate()
                .map(|(index, name)| Track {
                    color: Some(Rgb::new(0x12, 0x34, 0x56)),
                    media_count: 1,
                    ..Track::new(index, *name, TrackKind::Audio)
                })
                .collect(),
        }
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn names_paths_and_errors_cannot_inject_markup() {
        let evil = "<script>alert(1)</script>";
        let s = session(&[evil, "\"><img src=x onerror=alert(1)>"]);
        let plan = Plan::default();
        use crate::preflight::{Issue, IssueKind, Measures, ProjectReport, Severity, TrackReport};
        let audio = ProjectReport {
            sample_rate: Some(48_000),
            song_end_s: None,
            caveats: Vec::new(),
            tracks: vec![TrackReport {
                index: 0,
                name: evil.into(),
                kind: TrackKind::Audio,
                measures: Some(Measures {
                    peak_dbfs: Some(0.0),
                    ..Measures::default()
                }),
                issues: vec![Issue {
                    kind: IssueKind::Clipping,
                    severity: Severity::Error,
                    detail: evil.into(),
                    media: Some(evil.into()),
                }],
                silent: None,
            }],
        };
        let page = render(
            evil,
            &[
                ProjectView {
                    path: evil.to_string(),
                    outcome: Outcome::Planned {
                        session: &s,
                        plan: &plan,
                        rules: evil,
                    },
                    preflight: Some(&audio),
                },
                ProjectView {
                    path: format!("{evil}.rpp"),
                    outcome: Outcome::Failed(evil),
                    preflight: None,
                },
            ],
        );
        assert!(!page.contains("<script>alert"));
        assert!(!page.contains("<img"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // The only scripts are the page's own.
        assert_eq!(page.matches("<script").count(), 1);
        assert!(page.contains(r##"<i style="background:#123456"></i>"##));
        // The preflight table: a badge per problem (its detail escaped), hot peaks marked.
        assert!(page.contains("<em class=\"error\" title=\"&lt;script&gt;"));
        assert!(page.contains(">clipping</em>"));
        assert!(page.contains("1 errors, 0 warnings"));
    }

    #[test]
    fn many_projects_start_collapsed_and_are_indexed() {
        let s = session(&["a"]);
        let plan = Plan::default();
        let views: Vec<ProjectView> = (0..OPEN_UP_TO + 1)
            .map(|i| ProjectView {
                path: format!("p{i}.rpp"),
                outcome: Outcome::Planned {
                    session: &s,
                    plan: &plan,
                    rules: "r",
                },
                preflight: None,
            })
            .collect();
        let page = render("t", &views);
        assert!(!page.contains("<details class=\"p\" id=\"p0\" open"));
        assert!(page.contains("<a href=\"#p10\">p10.rpp</a>"));
        assert!(page.contains("id=\"p10\""));
    }
}
