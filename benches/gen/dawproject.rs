//! The project's one DAWproject writer: a [`Session`] spelled as a `.dawproject` the way
//! Bitwig Studio 5.1.6 writes one (`../shared/corpus/dawproject/hifa-bitwig516__canon`):
//! 4-space indented `project.xml` with `idN` ids, groups as nested `Track contentType="tracks"`
//! with a `role="master"` channel, FX tracks as `role="effect"` channels that send to
//! themselves, the master last, arrangement lanes per track with warped audio clips, and a ZIP
//! of `metadata.xml`, `project.xml` and `audio/*.wav` written like Java's `ZipOutputStream`
//! (deflate, data descriptors with their signature, MS-DOS times).
//!
//! The ZIP is written here, independently of premix's own container code, so tests that read
//! its output check premix against a second implementation.
#![allow(dead_code)]

use premix::session::{Session, TrackKind};
use std::fmt::Write as _;
use std::io::Write as _;

pub struct Options {
    /// `Application@name` and `@version`.
    pub application: (&'static str, &'static str),
    /// PCM bytes of every embedded WAV file.
    pub media_bytes: usize,
    /// Store the media uncompressed (method 0, sizes in the local header) instead of deflating
    /// them with data descriptors as Bitwig does.
    pub media_stored: bool,
}

pub const BITWIG: Options = Options {
    application: ("Bitwig Studio", "5.1.6"),
    media_bytes: 8_820,
    media_stored: false,
};

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

struct Ids(u64);

impl Ids {
    fn next(&mut self) -> String {
        let id = format!("id{}", self.0);
        self.0 += 1;
        id
    }
}

/// The file name of clip `k` of track `t` (its media file when the session names one).
fn clip_file(session: &Session, t: usize, k: usize) -> String {
    let track = &session.tracks[t];
    let name = track
        .media_files
        .get(k)
        .cloned()
        .unwrap_or_else(|| format!("clip-{t}-{k}.wav"));
    name.replace(['/', '\\'], "_")
}

/// `project.xml`, `metadata.xml` and the media of `session`, zipped.
pub fn dawproject(session: &Session, options: &Options) -> Vec<u8> {
    let (xml, media) = project_xml(session, options);
    let metadata = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<MetaData>\n    \
                    <Title>premix sample</Title>\n    <Artist></Artist>\n</MetaData>\n";
    let mut entries: Vec<(String, Vec<u8>, bool)> = vec![
        ("metadata.xml".into(), metadata.as_bytes().to_vec(), false),
        ("project.xml".into(), xml.into_bytes(), false),
    ];
    for (k, name) in media.iter().enumerate() {
        entries.push((
            format!("audio/{name}"),
            wav(options.media_bytes, k as u64),
            options.media_stored,
        ));
    }
    zip(&entries)
}

/// The project's XML, and the file names (under `audio/`) its clips play.
pub fn project_xml(session: &Session, options: &Options) -> (String, Vec<String>) {
    let mut ids = Ids(0);
    let n = session.tracks.len();
    let mut x = String::with_capacity(4096 + n * 4096);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    x.push_str("<Project version=\"1.0\">\n");
    let (app, version) = options.application;
    let _ = writeln!(
        x,
        "    <Application name=\"{}\" version=\"{}\"/>",
        esc(app),
        esc(version)
    );
    let _ = writeln!(
        x,
        "    <Transport>\n        <Tempo max=\"666.000000\" min=\"20.000000\" unit=\"bpm\" value=\"120.000000\" id=\"{}\" name=\"Tempo\"/>\n        <TimeSignature denominator=\"4\" numerator=\"4\" id=\"{}\"/>\n    </Transport>",
        ids.next(),
        ids.next()
    );
    let track_ids: Vec<(String, String)> = (0..n).map(|_| (ids.next(), ids.next())).collect();
    let (master_track, master_channel) = (ids.next(), ids.next());
    let returns: Vec<usize> = (0..n)
        .filter(|&t| session.tracks[t].kind == TrackKind::Return)
        .collect();
    let children = |p: Option<usize>| -> Vec<usize> {
        (0..n).filter(|&t| session.tracks[t].parent == p).collect()
    };
    x.push_str("    <Structure>\n");
    // Depth-first, each group followed by its members.
    let mut stack: Vec<(usize, usize, bool)> = children(None)
        .into_iter()
        .rev()
        .map(|t| (t, 2, false))
        .collect();
    while let Some((t, depth, closing)) = stack.pop() {
        let ind = "    ".repeat(depth);
        if closing {
            let _ = writeln!(x, "{ind}</Track>");
            continue;
        }
        let track = &session.tracks[t];
        let (content, role) = match track.kind {
            TrackKind::Audio => ("audio", "regular"),
            TrackKind::Midi => ("notes", "regular"),
            TrackKind::Bus => ("tracks", "master"),
            // A monitor mix has no role of its own in DAWproject: an effect channel is closest.
            TrackKind::Return | TrackKind::Foldback => ("audio", "effect"),
        };
        let color = track
            .color
            .map(|c| format!(" color=\"{c}\""))
            .unwrap_or_default();
        let (tid, cid) = &track_ids[t];
        let _ = writeln!(
            x,
            "{ind}<Track contentType=\"{content}\" loaded=\"true\" id=\"{tid}\" name=\"{}\"{color}>",
            esc(&track.name)
        );
        let dest = track.parent.map_or(&master_channel, |p| &track_ids[p].1);
        let _ = writeln!(
            x,
            "{ind}    <Channel audioChannels=\"2\" destination=\"{dest}\" role=\"{role}\" solo=\"false\" id=\"{cid}\">"
        );
        if !track.plugins.is_empty() {
            let _ = writeln!(x, "{ind}        <Devices>");
            for p in track.plugins.iter() {
                let _ = writeln!(
                    x,
                    "{ind}            <Vst3Plugin deviceName=\"{0}\" deviceRole=\"audioFX\" loaded=\"true\" id=\"{1}\" name=\"{0}\"/>",
                    esc(p),
                    ids.next()
                );
            }
            let _ = writeln!(x, "{ind}        </Devices>");
        }
        let _ = writeln!(
            x,
            "{ind}        <Mute value=\"{}\" id=\"{}\" name=\"Mute\"/>",
            track.muted,
            ids.next()
        );
        let _ = writeln!(
            x,
            "{ind}        <Pan max=\"1.000000\" min=\"0.000000\" unit=\"normalized\" value=\"0.500000\" id=\"{}\" name=\"Pan\"/>",
            ids.next()
        );
        // Every channel sends to every FX channel (an FX channel to itself), as Bitwig writes.
        let sends: Vec<usize> = match track.kind {
            TrackKind::Return => vec![t],
            _ => returns.clone(),
        };
        if !sends.is_empty() {
            let _ = writeln!(x, "{ind}        <Sends>");
            for r in sends {
                let _ = writeln!(
                    x,
                    "{ind}            <Send destination=\"{}\" type=\"post\" id=\"{}\">\n{ind}                <Volume max=\"1.000000\" min=\"0.000000\" unit=\"linear\" value=\"0.000000\" id=\"{}\" name=\"Send\"/>\n{ind}            </Send>",
                    track_ids[r].1,
                    ids.next(),
                    ids.next()
                );
            }
            let _ = writeln!(x, "{ind}        </Sends>");
        }
        let _ = writeln!(
            x,
            "{ind}        <Volume max=\"2.000000\" min=\"0.000000\" unit=\"linear\" value=\"0.316228\" id=\"{}\" name=\"Volume\"/>\n{ind}    </Channel>",
            ids.next()
        );
        let kids = children(Some(t));
        if kids.is_empty() {
            let _ = writeln!(x, "{ind}</Track>");
        } else {
            stack.push((t, depth, true));
            for &c in kids.iter().rev() {
                stack.push((c, depth + 1, false));
            }
        }
    }
    let _ = writeln!(
        x,
        "        <Track contentType=\"audio notes\" loaded=\"true\" id=\"{master_track}\" name=\"Master\">\n            <Channel audioChannels=\"2\" role=\"master\" solo=\"false\" id=\"{master_channel}\">\n                <Mute value=\"false\" id=\"{}\" name=\"Mute\"/>\n                <Pan max=\"1.000000\" min=\"0.000000\" unit=\"normalized\" value=\"0.500000\" id=\"{}\" name=\"Pan\"/>\n                <Volume max=\"2.000000\" min=\"0.000000\" unit=\"linear\" value=\"1.000000\" id=\"{}\" name=\"Volume\"/>\n            </Channel>\n        </Track>\n    </Structure>",
        ids.next(),
        ids.next(),
        ids.next()
    );

    let seconds = options.media_bytes as f64 / 2.0 / 44_100.0;
    let mut media: Vec<String> = Vec::new();
    let _ = writeln!(
        x,
        "    <Arrangement id=\"{}\">\n        <Lanes timeUnit=\"beats\" id=\"{}\">",
        ids.next(),
        ids.next()
    );
    for (t, track) in session.tracks.iter().enumerate() {
        let _ = writeln!(
            x,
            "            <Lanes track=\"{}\" id=\"{}\">",
            track_ids[t].0,
            ids.next()
        );
        let clips = match track.kind {
            TrackKind::Audio | TrackKind::Midi => track.media_count,
            _ => 0,
        };
        if clips == 0 {
            let _ = writeln!(x, "                <Clips id=\"{}\"/>", ids.next());
        } else {
            let _ = writeln!(x, "                <Clips id=\"{}\">", ids.next());
            for k in 0..clips {
                let enable = if k >= clips - track.muted_media_count.min(clips) {
                    " enable=\"false\""
                } else {
                    ""
                };
                let time = 4 * k;
                if track.kind == TrackKind::Midi {
                    let _ = writeln!(
                        x,
                        "                    <Clip time=\"{time}.0\" duration=\"4.0\" playStart=\"0.0\"{enable}>\n                        <Notes id=\"{}\">\n                            <Note time=\"0.000000\" duration=\"1.000000\" channel=\"0\" key=\"{}\" vel=\"0.787402\" rel=\"0.787402\"/>\n                        </Notes>\n                    </Clip>",
                        ids.next(),
                        48 + (k % 24)
                    );
                    continue;
                }
                let file = clip_file(session, t, k);
                if !media.contains(&file) {
                    media.push(file.clone());
                }
                let _ = writeln!(
                    x,
                    "                    <Clip time=\"{time}.0\" duration=\"4.0\" playStart=\"0.0\" loopStart=\"0.0\" loopEnd=\"4.0\" fadeTimeUnit=\"beats\" fadeInTime=\"0.0\" fadeOutTime=\"0.0\" name=\"{name}\"{enable}>\n                        <Clips id=\"{}\">\n                            <Clip time=\"0.0\" duration=\"4.0\" contentTimeUnit=\"beats\" playStart=\"0.0\" fadeTimeUnit=\"beats\" fadeInTime=\"0.0\" fadeOutTime=\"0.0\">\n                                <Warps contentTimeUnit=\"seconds\" timeUnit=\"beats\" id=\"{}\">\n                                    <Audio algorithm=\"stretch\" channels=\"1\" sampleRate=\"44100\" duration=\"{seconds:.6}\" id=\"{}\">\n                                        <File path=\"audio/{path}\"/>\n                                    </Audio>\n                                    <Warp time=\"0.0\" contentTime=\"0.0\"/>\n                                    <Warp time=\"4.0\" contentTime=\"{seconds:.6}\"/>\n                                </Warps>\n                            </Clip>\n                        </Clips>\n                    </Clip>",
                    ids.next(),
                    ids.next(),
                    ids.next(),
                    name = esc(file.trim_end_matches(".wav")),
                    path = esc(&file),
                );
            }
            let _ = writeln!(x, "                </Clips>");
        }
        let _ = writeln!(x, "            </Lanes>");
    }
    let _ = writeln!(
        x,
        "            <Lanes track=\"{master_track}\" id=\"{}\">\n                <Clips id=\"{}\"/>\n            </Lanes>\n        </Lanes>\n    </Arrangement>\n</Project>",
        ids.next(),
        ids.next()
    );
    (x, media)
}

/// A mono 16-bit 44.1 kHz WAV of `pcm_bytes` bytes of audio: a tone with noise, so it
/// compresses about as little as recorded audio; `seed` varies it.
pub fn wav(pcm_bytes: usize, seed: u64) -> Vec<u8> {
    let samples = pcm_bytes / 2;
    let data_len = (samples * 2) as u32;
    let mut w = Vec::with_capacity(44 + samples * 2);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data_len).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&44_100u32.to_le_bytes());
    w.extend_from_slice(&88_200u32.to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data_len.to_le_bytes());
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let freq = 110.0 * (1.0 + (seed % 24) as f64 / 12.0);
    for i in 0..samples {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let noise = ((state >> 33) as i64 % 2000 - 1000) as f64;
        let tone = (i as f64 * freq * std::f64::consts::TAU / 44_100.0).sin() * 8000.0;
        w.extend_from_slice(&((tone + noise) as i16).to_le_bytes());
    }
    w
}

/// 2024-04-04 22:48:00 in MS-DOS form, as in the corpus export.
const DOS_TIME: u16 = (22 << 11) | (48 << 5);
const DOS_DATE: u16 = ((2024 - 1980) << 9) | (4 << 5) | 4;

/// A ZIP of `(name, content, stored)` entries, as Java's `ZipOutputStream` writes it: deflated
/// entries with general-purpose bit 3 and a signed data descriptor, stored ones with their
/// sizes in the local header.
pub fn zip(entries: &[(String, Vec<u8>, bool)]) -> Vec<u8> {
    let raw: Vec<RawEntry> = entries
        .iter()
        .map(|(name, content, stored)| RawEntry {
            name: name.clone(),
            method: if *stored { 0 } else { 8 },
            data: if *stored {
                content.clone()
            } else {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
                e.write_all(content).unwrap();
                e.finish().unwrap()
            },
            crc: crc32fast::hash(content),
            size: content.len() as u32,
        })
        .collect();
    zip_raw(&raw)
}

/// An entry as it goes into the archive: data already compressed, CRC and size as given
/// (hostile tests give wrong ones).
pub struct RawEntry {
    pub name: String,
    /// 0 (stored) or 8 (deflate, written with a data descriptor).
    pub method: u16,
    pub data: Vec<u8>,
    pub crc: u32,
    pub size: u32,
}

/// A ZIP of `entries`, laid out as [`zip`] lays them out.
pub fn zip_raw(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let stored = e.method == 0;
        // Bit 11 (UTF-8 names) only for names that need it, as Java sets it.
        let utf8 = if e.name.is_ascii() { 0 } else { 0x0800 };
        let (flags, version): (u16, u16) = if stored {
            (utf8, 10)
        } else {
            (utf8 | 0x0008, 20)
        };
        let (lcrc, lcsize, lsize) = if stored {
            (e.crc, e.data.len() as u32, e.size)
        } else {
            (0, 0, 0)
        };
        let name_bytes = e.name.as_bytes();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&e.method.to_le_bytes());
        out.extend_from_slice(&DOS_TIME.to_le_bytes());
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&lcrc.to_le_bytes());
        out.extend_from_slice(&lcsize.to_le_bytes());
        out.extend_from_slice(&lsize.to_le_bytes());
        out.extend_from_slice(&(name_bytes.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name_bytes);
        out.extend_from_slice(&e.data);
        if !stored {
            out.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&e.size.to_le_bytes());
        }
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by: MS-DOS, 2.0
        central.extend_from_slice(&version.to_le_bytes());
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&e.method.to_le_bytes());
        central.extend_from_slice(&DOS_TIME.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&e.crc.to_le_bytes());
        central.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        central.extend_from_slice(&e.size.to_le_bytes());
        central.extend_from_slice(&(name_bytes.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        central.extend_from_slice(&[0; 4]); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name_bytes);
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}
