//! `PEAKCOL`: REAPER's track colour, an OS-native colour value with a "custom" flag.
//!
//! Bit 24 set means the track has a custom colour; without it (e.g. the default `16576`) the
//! track shows the theme colour. The low 24 bits are what REAPER's `ColorToNative` makes:
//! on Windows a `COLORREF` (`0x00BBGGRR`); on macOS and Linux, REAPER's SWELL layer defines
//! `RGB(r,g,b)` as `r<<16 | g<<8 | b` (`0x00RRGGBB`, see WDL `swell-types.h`, "the byte
//! ordering of RGB() etc is different than on win32"). So the byte order depends on the
//! platform that saved the file, which the header's version string names (`6.69/win64`,
//! `6.81/macOS-arm64`, `7.42/linux-x86_64`). Files with no platform (REAPER 2-4, `5.50c`)
//! are read as Windows, REAPER's main platform then.

use crate::session::Rgb;

pub const CUSTOM_FLAG: u32 = 0x0100_0000;
/// What REAPER writes for a track without a custom colour.
pub const NO_COLOR: u32 = 16576;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    /// Windows `COLORREF`: `0x00BBGGRR`.
    Bgr,
    /// macOS and Linux (SWELL): `0x00RRGGBB`.
    Rgb,
}

impl ByteOrder {
    /// The byte order of a file saved on `platform` (the part after `/` in the header).
    pub fn for_platform(platform: Option<&str>) -> ByteOrder {
        let platform = platform.unwrap_or("").to_ascii_lowercase();
        if ["osx", "macos", "linux"]
            .iter()
            .any(|p| platform.starts_with(p))
        {
            ByteOrder::Rgb
        } else {
            ByteOrder::Bgr
        }
    }
}

pub fn decode(value: u32, order: ByteOrder) -> Option<Rgb> {
    if value & CUSTOM_FLAG == 0 {
        return None;
    }
    let [hi, mid, lo] = [(value >> 16) as u8, (value >> 8) as u8, value as u8];
    Some(match order {
        ByteOrder::Bgr => Rgb::new(lo, mid, hi),
        ByteOrder::Rgb => Rgb::new(hi, mid, lo),
    })
}

pub fn encode(color: Rgb, order: ByteOrder) -> u32 {
    let (hi, lo) = match order {
        ByteOrder::Bgr => (color.b, color.r),
        ByteOrder::Rgb => (color.r, color.b),
    };
    CUSTOM_FLAG | (hi as u32) << 16 | (color.g as u32) << 8 | lo as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_map_to_byte_orders() {
        for p in ["win64", "x64", "win32"] {
            assert_eq!(ByteOrder::for_platform(Some(p)), ByteOrder::Bgr, "{p}");
        }
        for p in [
            "OSX64",
            "OSX64-clang",
            "macOS-arm64",
            "linux64",
            "linux-x86_64",
        ] {
            assert_eq!(ByteOrder::for_platform(Some(p)), ByteOrder::Rgb, "{p}");
        }
        assert_eq!(ByteOrder::for_platform(None), ByteOrder::Bgr);
    }

    #[test]
    fn encode_and_decode_are_inverse_and_platform_specific() {
        let c = Rgb::new(0xd9, 0x4f, 0x3d);
        assert_eq!(encode(c, ByteOrder::Bgr), 0x013d4fd9);
        assert_eq!(encode(c, ByteOrder::Rgb), 0x01d94f3d);
        for order in [ByteOrder::Bgr, ByteOrder::Rgb] {
            assert_eq!(decode(encode(c, order), order), Some(c));
        }
        assert_eq!(decode(NO_COLOR, ByteOrder::Bgr), None);
    }
}
