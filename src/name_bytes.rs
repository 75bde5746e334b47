//! Names that are not UTF-8, held without loss.
//!
//! A REAPER project is text in the encoding REAPER wrote it in: UTF-8 since REAPER 3, but
//! older projects (and names pasted from elsewhere) may hold bytes of a legacy code page,
//! such as a Latin-1 `é` (0xE9). A [`crate::session::Track`]'s name is a `String`, so
//! [`decode`] holds each byte that is not part of UTF-8 text as one private-use character,
//! U+10FE00 plus the byte (U+10FE80..=U+10FEFF), and [`encode`] turns those characters back
//! into their bytes: a name read and written again is the same bytes, renamed or not (a
//! rename `Kick {1}` keeps the `é` of `kick é` as the byte 0xE9). A name whose UTF-8 text
//! itself holds a character of that range has those characters' bytes held the same way,
//! so the round trip is exact for every byte string.
//!
//! The rules refuse those characters in text they write (rename templates, prefixes, bus
//! names), and the terminal shows them as `\xE9` ([`crate::report::escape`]).

use std::borrow::Cow;

/// The first character standing for a byte: U+10FE00 + byte.
const BASE: u32 = 0x10_FE00;

/// The byte `c` stands for, when it stands for one.
pub fn byte_of(c: char) -> Option<u8> {
    let n = u32::from(c).checked_sub(BASE)?;
    u8::try_from(n).ok().filter(|b| *b >= 0x80)
}

fn char_of(byte: u8) -> char {
    char::from_u32(BASE + u32::from(byte)).expect("U+10FE80..=U+10FEFF are characters")
}

/// The name `bytes` hold: their UTF-8 text, each other byte as the character standing for it.
pub fn decode(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.chars().any(|c| byte_of(c).is_some())
    {
        return text.to_owned();
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if byte_of(c).is_some() {
                // A character of the range itself: its own bytes, held one by one.
                let mut utf8 = [0u8; 4];
                out.extend(c.encode_utf8(&mut utf8).bytes().map(char_of));
            } else {
                out.push(c);
            }
        }
        out.extend(chunk.invalid().iter().copied().map(char_of));
    }
    out
}

/// [`decode`] of bytes the caller gives up: UTF-8 text (the usual case) becomes the name
/// without a copy, which matters for a name of hundreds of megabytes.
pub fn decode_owned(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) if !text.chars().any(|c| byte_of(c).is_some()) => text,
        Ok(text) => decode(text.as_bytes()),
        Err(e) => decode(e.as_bytes()),
    }
}

/// The bytes of a name [`decode`] made (or the rules wrote): each character standing for a
/// byte becomes that byte again.
pub fn encode(name: &str) -> Cow<'_, [u8]> {
    if !name.chars().any(|c| byte_of(c).is_some()) {
        return Cow::Borrowed(name.as_bytes());
    }
    let mut out = Vec::with_capacity(name.len());
    for c in name.chars() {
        match byte_of(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_string_round_trips() {
        let cases: [&[u8]; 6] = [
            b"Kick In",
            b"kick \xe9",
            b"\xff\xfe\x80",
            "caf\u{e9} \u{10FEE9}".as_bytes(),
            b"half \xe2\x82",
            b"",
        ];
        for bytes in cases {
            assert_eq!(&*encode(&decode(bytes)), bytes, "{bytes:?}");
            assert_eq!(decode_owned(bytes.to_vec()), decode(bytes), "{bytes:?}");
        }
        assert_eq!(decode(b"kick \xe9"), "kick \u{10FEE9}");
        assert!(matches!(encode("plain"), Cow::Borrowed(_)));
        assert_eq!(byte_of('\u{10FEE9}'), Some(0xE9));
        assert_eq!(byte_of('é'), None);
    }
}
