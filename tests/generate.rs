//! The benchmark generators (`benches/gen`) make projects premix reads, tidies with the
//! default rules, writes and verifies, and that read back as what the plan predicts.

#[path = "../benches/gen/mod.rs"]
mod projgen;

use premix::formats::als::container;
use premix::formats::als::invariants::{check_invariants, check_send_holders};
use premix::limits::Limits;
use premix::pipeline::process;
use premix::rules::RuleSet;
use premix::session::Format;

/// Processes `bytes` with the default rules; returns (tracks, output).
fn round_trip(format: Format, bytes: &[u8]) -> (usize, Vec<u8>) {
    let rules = RuleSet::default_rules();
    let done = process(format, bytes, &rules, true).unwrap();
    assert!(done.plan.edits_file(), "the default rules change something");
    let out = done.output.unwrap();
    let again = process(format, &out, &rules, true).unwrap();
    assert_eq!(
        again.session.tracks.len(),
        done.plan.predict(&done.session).tracks.len()
    );
    (done.session.tracks.len(), out)
}

#[test]
fn rpp_is_deterministic_valid_and_sized() {
    let a = projgen::rpp(200_000);
    assert_eq!(a, projgen::rpp(200_000));
    assert!(a.len() >= 200_000 && a.len() < 260_000, "{}", a.len());
    let (tracks, _) = round_trip(Format::Rpp, &a);
    assert!(tracks >= 125, "{tracks}");
}

#[test]
fn als_is_deterministic_valid_and_sized() {
    // One copy of the sample's tracks as a full Live 11.3 set is about 1.2 MB of XML.
    let xml = projgen::als_xml(3_000_000);
    assert_eq!(xml, projgen::als_xml(3_000_000));
    assert!(
        xml.len() >= 3_000_000 && xml.len() < 4_500_000,
        "{}",
        xml.len()
    );
    check_invariants(&xml).unwrap();
    check_send_holders(&xml).unwrap();
    let gz = projgen::als(3_000_000);
    assert_eq!(container::decode(&gz, &Limits::default()).unwrap().1, xml);
    let (tracks, out) = round_trip(Format::Als, &gz);
    assert!(tracks > 26, "{tracks}");
    let after = container::decode(&out, &Limits::default()).unwrap().1;
    check_invariants(&after).unwrap();
    check_send_holders(&after).unwrap();
}

#[test]
fn ardour_is_deterministic_valid_and_sized() {
    let a = projgen::ardour(30);
    assert_eq!(a, projgen::ardour(30));
    let (tracks, _) = round_trip(Format::Ardour, &a);
    assert_eq!(tracks, 30, "the 30 routes (the master bus is not a track)");
}

#[test]
fn sizes_parse() {
    assert_eq!(projgen::parse_size("35MB"), Some(35_000_000));
    assert_eq!(projgen::parse_size("1MiB"), Some(1 << 20));
    assert_eq!(projgen::parse_size("300k"), Some(300_000));
    assert_eq!(projgen::parse_size("x"), None);
}
