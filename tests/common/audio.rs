//! Audio the tests write: PCM WAV files of known content.

use std::f64::consts::PI;
use std::path::Path;

/// Writes a PCM WAV (16 or 24-bit integer, or 32-bit float) of interleaved samples.
pub fn wav(path: &Path, rate: u32, channels: u16, bits: u16, samples: &[f64]) {
    let float = bits == 32;
    let bytes = bits as u32 / 8;
    let mut data = Vec::new();
    for &x in samples {
        if float {
            data.extend_from_slice(&(x as f32).to_le_bytes());
        } else {
            let full = (1i64 << (bits - 1)) as f64;
            let v = (x * full).round().clamp(-full, full - 1.0) as i32;
            data.extend_from_slice(&v.to_le_bytes()[..bytes as usize]);
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&(if float { 3u16 } else { 1 }).to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * channels as u32 * bytes).to_le_bytes());
    out.extend_from_slice(&(channels * bits / 8).to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    std::fs::write(path, out).unwrap();
}

/// A 440 Hz tone at `amp` peak, `seconds` long, one channel.
pub fn tone(rate: u32, seconds: f64, amp: f64) -> Vec<f64> {
    (0..(rate as f64 * seconds) as usize)
        .map(|i| amp * (2.0 * PI * 440.0 * i as f64 / rate as f64).sin())
        .collect()
}
