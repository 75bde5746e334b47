//! Any bytes as a DAWproject: first as the container itself (ZIP layout, headers, CRCs), then
//! as the `project.xml` of a well-formed container, so mutations reach the XML reader and the
//! writer instead of stopping at a checksum. Read, plan the default rules, write, verify;
//! never panic.
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

fuzz_target!(|data: &[u8]| {
    premix_fuzz_common::pipeline_holds(Format::Dawproject, data);
    premix_fuzz_common::pipeline_holds(Format::Dawproject, &stored_zip(data));
});

#[path = "common.rs"]
mod premix_fuzz_common;
