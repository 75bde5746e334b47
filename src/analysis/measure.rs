//! The measures of one played range, accumulated block by block as the file is decoded.
//!
//! Loudness follows EBU R128 / ITU-R BS.1770 ([`super::loudness`], computed as libebur128 and
//! the `ebur128` crate compute it): the momentary loudness of every 400 ms gating block (a new
//! block every 100 ms) and the short-term loudness of every 3 s block (a new one every second)
//! are kept, above the −70 LUFS absolute gate. Integrated loudness and loudness range are then
//! gated from those blocks ([`integrated`], [`loudness_range`]), so that the ranges of several
//! items (or of a track's several files) combine exactly, and a cache can hold them.

use super::RangeMeasures;
use super::loudness::{Blocks, TruePeak};

/// A sample at or above this magnitude is at full scale: within one 16-bit step of it, so a
/// 16-bit, 24-bit or float file clipped at 0 dBFS all count.
pub const FULL_SCALE: f32 = 1.0 - 1.0 / 32768.0;
/// Consecutive full-scale samples that make a clipping run (a lone full-scale sample is
/// usually a peak that just touched 0 dBFS).
pub const CLIP_RUN: u32 = 3;

pub struct Meter {
    channels: usize,
    rate: u32,
    blocks: Blocks,
    true_peak: TruePeak,
    /// Frames fed so far.
    fed: u64,
    m: RangeMeasures,
    /// Per channel: the current run of full-scale samples.
    run: Vec<u32>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
    sum_lr: f64,
    /// Where in the file this range's frames start (for the first clip's time).
    start_frame: u64,
}

impl Meter {
    pub fn new(channels: usize, rate: u32, start_frame: u64) -> Meter {
        Meter {
            channels,
            rate,
            blocks: Blocks::new(channels, rate),
            true_peak: TruePeak::new(channels, rate),
            fed: 0,
            m: RangeMeasures {
                channel_peaks: vec![0.0; channels],
                channel_dc: vec![0.0; channels],
                ..RangeMeasures::default()
            },
            run: vec![0; channels],
            sum: vec![0.0; channels],
            sum_sq: vec![0.0; channels],
            sum_lr: 0.0,
            start_frame,
        }
    }

    /// Feeds interleaved frames that follow the ones fed before.
    pub fn feed(&mut self, frames: &[f32]) {
        self.stats(frames);
        self.blocks.feed(frames);
        self.true_peak.feed(frames);
        self.fed += (frames.len() / self.channels) as u64;
    }

    /// Peaks, clipping, DC and the sums correlation needs, sample by sample.
    fn stats(&mut self, frames: &[f32]) {
        let ch = self.channels;
        for (i, frame) in frames.chunks_exact(ch).enumerate() {
            for (c, &x) in frame.iter().enumerate() {
                let a = x.abs();
                if a > self.m.channel_peaks[c] {
                    self.m.channel_peaks[c] = a;
                }
                self.sum[c] += x as f64;
                self.sum_sq[c] += (x as f64) * (x as f64);
                if a >= FULL_SCALE {
                    self.run[c] += 1;
                    if self.run[c] == CLIP_RUN {
                        self.m.clip_runs += 1;
                        if self.m.first_clip.is_none() {
                            let frame = self.start_frame + self.fed + i as u64;
                            self.m.first_clip =
                                Some((frame + 1 - CLIP_RUN as u64) as f64 / self.rate as f64);
                        }
                    }
                } else {
                    self.run[c] = 0;
                }
            }
            if ch == 2 {
                let (l, r) = (frame[0], frame[1]);
                self.sum_lr += l as f64 * r as f64;
                let d = (l - r).abs();
                if d > self.m.max_difference {
                    self.m.max_difference = d;
                }
            }
        }
    }

    pub fn finish(mut self) -> RangeMeasures {
        let n = self.fed.max(1) as f64;
        self.m.frames = self.fed;
        self.m.seconds = self.fed as f64 / self.rate as f64;
        for c in 0..self.channels {
            self.m.channel_dc[c] = (self.sum[c] / n) as f32;
        }
        if self.channels == 2 {
            let denom = (self.sum_sq[0] * self.sum_sq[1]).sqrt();
            self.m.correlation = (denom > 0.0).then(|| (self.sum_lr / denom) as f32);
        }
        // The true peak is never below the sample peak (libebur128 reports the larger).
        let tp = self
            .true_peak
            .peaks
            .iter()
            .zip(&self.m.channel_peaks)
            .map(|(t, s)| t.max(*s))
            .fold(0f32, f32::max);
        self.m.true_peak = Some(tp as f64);
        self.m.blocks = std::mem::take(&mut self.blocks.momentary);
        self.m.short_term = std::mem::take(&mut self.blocks.short_term);
        self.m
    }
}

fn energy(lufs: f64) -> f64 {
    10f64.powf((lufs + 0.691) / 10.0)
}

fn lufs(energy: f64) -> f64 {
    -0.691 + 10.0 * energy.log10()
}

/// Integrated loudness (LUFS) of gating blocks' momentary loudness, already above the
/// absolute gate: the relative gate is 10 LU below their mean; `None` without blocks.
pub fn integrated<'a>(blocks: impl Iterator<Item = &'a f32> + Clone) -> Option<f64> {
    let (sum, n) = blocks
        .clone()
        .fold((0.0, 0usize), |(s, n), &l| (s + energy(l as f64), n + 1));
    if n == 0 {
        return None;
    }
    let gate = lufs(sum / n as f64) - 10.0;
    let (sum, n) = blocks
        .filter(|l| **l as f64 >= gate)
        .fold((0.0, 0usize), |(s, n), &l| (s + energy(l as f64), n + 1));
    (n > 0).then(|| lufs(sum / n as f64))
}

/// Loudness range (LU) of short-term loudness values above the absolute gate: the relative
/// gate is 20 LU below their mean, then the spread from the 10th to the 95th percentile, as
/// libebur128 picks them. `None` with no value (under 3 s of sound).
pub fn loudness_range<'a>(values: impl Iterator<Item = &'a f32> + Clone) -> Option<f64> {
    let (sum, n) = values
        .clone()
        .fold((0.0, 0usize), |(s, n), &l| (s + energy(l as f64), n + 1));
    if n == 0 {
        return None;
    }
    let gate = lufs(sum / n as f64) - 20.0;
    let mut kept: Vec<f64> = values.map(|l| *l as f64).filter(|l| *l >= gate).collect();
    if kept.is_empty() {
        return None;
    }
    kept.sort_by(f64::total_cmp);
    let at = |p: f64| kept[((kept.len() - 1) as f64 * p + 0.5) as usize];
    Some(at(0.95) - at(0.10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebur128::{EbuR128, Mode};

    /// A sine of `amp` (peak) at 997 Hz, interleaved on `channels` channels.
    fn sine(rate: u32, seconds: f64, amp: f32, channels: usize) -> Vec<f32> {
        let n = (rate as f64 * seconds) as usize;
        (0..n)
            .flat_map(|i| {
                let x = amp * (2.0 * std::f32::consts::PI * 997.0 * i as f32 / rate as f32).sin();
                std::iter::repeat_n(x, channels)
            })
            .collect()
    }

    #[test]
    fn gating_of_kept_blocks_matches_the_crates_own_integrated_loudness() {
        let rate = 48_000;
        // Loud, then quiet: the relative gate drops the quiet part.
        let mut signal = sine(rate, 6.0, 0.5, 2);
        signal.extend(sine(rate, 4.0, 0.005, 2));
        let mut meter = Meter::new(2, rate, 0);
        for chunk in signal.chunks(4096 * 2 + 6) {
            meter.feed(chunk);
        }
        let m = meter.finish();
        let mut reference = EbuR128::new(2, rate, Mode::I | Mode::LRA).unwrap();
        reference.add_frames_f32(&signal).unwrap();
        let mine = integrated(m.blocks.iter()).unwrap();
        let theirs = reference.loudness_global().unwrap();
        assert!((mine - theirs).abs() < 0.05, "{mine} vs {theirs}");
        let mine = loudness_range(m.short_term.iter()).unwrap();
        let theirs = reference.loudness_range().unwrap();
        assert!((mine - theirs).abs() < 0.2, "{mine} vs {theirs}");
        assert!((m.channel_peaks[0] - 0.5).abs() < 1e-3);
        assert!(m.correlation.unwrap() > 0.99);
        assert_eq!(m.max_difference, 0.0);
        assert!((m.seconds - 10.0).abs() < 1e-9);
    }

    #[test]
    fn clipping_runs_are_counted_with_the_first_one_placed() {
        let mut signal = vec![0.1f32; 48_000];
        // A lone full-scale sample, then a run of four at 0.5 s.
        signal[100] = 1.0;
        for s in &mut signal[24_000..24_004] {
            *s = -1.0;
        }
        let mut meter = Meter::new(1, 48_000, 48_000);
        meter.feed(&signal);
        let m = meter.finish();
        assert_eq!(m.clip_runs, 1);
        assert_eq!(m.first_clip, Some(1.5));
        assert!((m.channel_dc[0] - 0.1).abs() < 1e-3);
    }
}
