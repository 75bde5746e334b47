//! A rewritten project.xml keeps the original's deflate blocks after its last edit
//! (`premix::deflate_splice`, issue #19): only the edited start is deflated again, and the
//! result inflates to exactly what a project.xml written whole would hold.

#[path = "../benches/gen/mod.rs"]
mod projgen;

use premix::formats::dawproject::container;
use premix::limits::Limits;
use premix::session::Format;
use projgen::dawproject::RawEntry;
use std::io::Read;

const RECOLOUR: &str = "version: 1\ncolors:\n  all: \"#3d8fd9\"\nrules:\n  - name: recolour\n    match: {kind: any}\n    color: all\n";

/// `bytes` with its project.xml stored instead of deflated, every other entry as it was.
fn with_project_xml_stored(bytes: &[u8]) -> Vec<u8> {
    let archive = container::read(bytes, &Limits::default(), container::Check::Layout, &[])
        .unwrap()
        .0;
    let entries: Vec<RawEntry> = archive
        .entries
        .iter()
        .map(|e| {
            let data = bytes[e.data.clone()].to_vec();
            let (method, data) = if e.name == "project.xml" {
                (0, inflate(&data))
            } else {
                (e.method, data)
            };
            RawEntry {
                name: e.name.clone(),
                method,
                data,
                crc: e.crc,
                size: e.size as u32,
            }
        })
        .collect();
    projgen::dawproject::zip_raw(&entries)
}

fn inflate(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// project.xml's compressed data and its content.
fn project_xml(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let archive = container::read(bytes, &Limits::default(), container::Check::Layout, &[])
        .unwrap()
        .0;
    let e = archive.entry("project.xml").unwrap();
    let data = bytes[e.data.clone()].to_vec();
    let content = if e.method == 0 {
        data.clone()
    } else {
        inflate(&data)
    };
    (data, content)
}

fn recoloured(bytes: &[u8]) -> Vec<u8> {
    let rules = premix::rules::load(RECOLOUR, "recolour.yaml").unwrap();
    premix::pipeline::process(Format::Dawproject, bytes, &rules, true)
        .unwrap()
        .output
        .expect("the recolour writes")
}

#[test]
fn a_recolour_keeps_the_compressed_arrangement_and_reads_as_a_whole_rewrite() {
    // 1 000 tracks: 6 MB of project.xml, its Structure (what a recolour edits) the first
    // seventh, as on the benchmark's 2 000; zlib's level 6 (Bitwig's) makes blocks of about
    // 800 KB of this XML.
    let input = projgen::dawproject_big(1_000, 1_000, false);
    let (input_data, input_xml) = project_xml(&input);
    let output = recoloured(&input);
    let (output_data, output_xml) = project_xml(&output);

    // The same content as the recolour of the same project with project.xml stored, which
    // is spliced and written whole.
    let stored = recoloured(&with_project_xml_stored(&input));
    let (_, stored_xml) = project_xml(&stored);
    assert!(
        output_xml == stored_xml,
        "the kept blocks inflate to the rewrite's content"
    );
    assert_ne!(output_xml, input_xml, "the recolour changed project.xml");

    // The original's compressed bytes after the last edit are the output's, as they were.
    let common = input_data
        .iter()
        .rev()
        .zip(output_data.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let structure_end = input_xml
        .windows(12)
        .position(|w| w == b"</Structure>")
        .unwrap();
    assert!(
        common * 2 > input_data.len(),
        "{common} of {} compressed bytes kept; Structure ends at {structure_end} of {} bytes",
        input_data.len(),
        input_xml.len()
    );

    // And a second run over the output keeps them again, from the output's own blocks.
    let again = recoloured(
        &premix::pipeline::process(
            Format::Dawproject,
            &output,
            &premix::rules::load(&RECOLOUR.replace("#3d8fd9", "#d93d3d"), "red.yaml").unwrap(),
            true,
        )
        .unwrap()
        .output
        .unwrap(),
    );
    assert!(
        project_xml(&again).1 == output_xml,
        "recoloured back as it was"
    );
}
