//! Any bytes as a DAWproject: first as the container itself (ZIP layout, headers, CRCs), then
//! as the `project.xml` of a well-formed container, so mutations reach the XML reader and the
//! writer instead of stopping at a checksum. Read, plan the default rules, write, verify;
//! never panic. Each is also read from a file, as `apply` reads a DAWproject (its layout
//! and project.xml read in parts, the other entries checked from the file): the same
//! bytes must read the same way (both refused, or both the same session).
#![no_main]

use libfuzzer_sys::fuzz_target;
use premix::session::Format;

/// CRC-32 (IEEE), bit by bit: fuzz inputs are small.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A one-entry ZIP holding `xml` as a stored `project.xml`.
fn stored_zip(xml: &[u8]) -> Vec<u8> {
    let name = b"project.xml";
    let crc = crc32(xml).to_le_bytes();
    let len = (xml.len() as u32).to_le_bytes();
    let mut out = Vec::with_capacity(xml.len() + 128);
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&[10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&crc);
    out.extend_from_slice(&len);
    out.extend_from_slice(&len);
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(name);
    out.extend_from_slice(xml);
    let cd = out.len() as u32;
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&crc);
    out.extend_from_slice(&len);
    out.extend_from_slice(&len);
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(name);
    let cd_len = out.len() as u32 - cd;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

/// Reads `data` from a file as `apply` does and from memory; both must agree.
fn file_reads_as_memory(data: &[u8]) {
    use premix::formats::Project;
    use premix::formats::dawproject::{DawProject, FileParts};
    let limits = premix::limits::Limits::default();
    let path = std::env::temp_dir().join(format!("premix-fuzz-{}.dawproject", std::process::id()));
    std::fs::write(&path, data).expect("temporary file");
    let file = std::fs::File::open(&path).expect("temporary file");
    let meta = file.metadata().expect("metadata");
    let parts = FileParts::read(&file, &path, &meta, None).expect("read");
    let from_file = DawProject::read_from_file(&parts, &file, &path, &meta, &limits, None)
        .map(|read| read.expect("no remembered check to misfit"));
    let in_memory = DawProject::read(data, &limits);
    match (from_file, in_memory) {
        (Ok((a, _)), Ok(b)) => assert_eq!(a.session(), b.session()),
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "the file and memory reads disagree: {:?} / {:?}",
            a.err(),
            b.err()
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    premix_fuzz_common::pipeline_holds(Format::Dawproject, data);
    premix_fuzz_common::pipeline_holds(Format::Dawproject, &stored_zip(data));
    file_reads_as_memory(data);
    file_reads_as_memory(&stored_zip(data));
});

#[path = "common.rs"]
mod premix_fuzz_common;
