//! Streaming decoding with symphonia: one packet at a time, never a whole file, so memory stays
//! bounded whatever the file's size. Several mono files (Ardour's multi-mono sources) are read
//! in lockstep as the channels of one source.

use super::FileInfo;
use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

/// Why a file cannot be analysed, in words a person can act on.
pub type Unreadable = String;

/// Codecs that lose information: a stem delivered in one is not the recording.
const LOSSY: [&str; 3] = ["mp3", "vorbis", "aac"];

/// One file being decoded.
struct Stream {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track: u32,
    channels: usize,
    /// Interleaved samples decoded and not yet handed out.
    pending: VecDeque<f32>,
    done: bool,
    decoded: u64,
}

/// A file held inside a project file (a DAWproject's embedded media), streamed out of it.
struct Embedded {
    reader: crate::formats::dawproject::container::MemberReader,
    len: u64,
}

impl std::io::Read for Embedded {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

impl std::io::Seek for Embedded {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.reader.seek(to)
    }
}

impl MediaSource for Embedded {
    fn is_seekable(&self) -> bool {
        self.reader.seekable()
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// `path` opened for decoding, with its size: a file on disk, or one a project file holds
/// ([`crate::formats::embedded_file`]).
fn open_source(path: &Path) -> Result<(Box<dyn MediaSource>, u64), Unreadable> {
    match File::open(path) {
        Ok(file) => {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            Ok((Box::new(file), len))
        }
        Err(e) => match crate::formats::embedded_file(path) {
            Some(_) => {
                let (reader, len) = crate::formats::open_embedded(path)
                    .map_err(|e| format!("cannot open inside the project file: {e}"))?;
                Ok((Box::new(Embedded { reader, len }), len))
            }
            None => Err(format!("cannot open: {e}")),
        },
    }
}

fn open_stream(path: &Path) -> Result<(Stream, FileInfo), Unreadable> {
    let (source, len) = open_source(path)?;
    if len == 0 {
        return Err("empty file (0 bytes)".into());
    }
    let mss = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            Error::Unsupported(_) => format!(
                "not an audio file premix decodes (no WAV, AIFF, CAF, FLAC, Ogg, MP3 or MP4 \
                 stream found{})",
                ext_note(path)
            ),
            other => format!("damaged header: {other}"),
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| "no audio track in the file".to_string())?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| "no audio codec parameters".to_string())?
        .clone();
    let codecs = symphonia::default::get_codecs();
    let codec_name = codecs
        .get_audio_decoder(params.codec)
        .map(|r| r.codec.info.short_name)
        .ok_or_else(|| format!("a codec premix does not decode ({:?})", params.codec))?;
    let decoder = codecs
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| format!("a codec premix does not decode: {e}"))?;
    let sample_rate = params
        .sample_rate
        .filter(|r| *r > 0)
        .ok_or_else(|| "damaged header: no sample rate".to_string())?;
    let channels = params
        .channels
        .as_ref()
        .map(|c| c.count())
        .filter(|c| *c > 0)
        .ok_or_else(|| "damaged header: no channels".to_string())?;
    let info = FileInfo {
        sample_rate,
        channels,
        bits_per_sample: params.bits_per_sample,
        codec: codec_name.to_string(),
        lossy: LOSSY.contains(&codec_name),
        float: codec_name.starts_with("pcm_f"),
        frames: track.num_frames,
    };
    let stream = Stream {
        track: track.id,
        format,
        decoder,
        channels,
        pending: VecDeque::new(),
        done: false,
        decoded: 0,
    };
    Ok((stream, info))
}

fn ext_note(path: &Path) -> String {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("; its name says .{ext}"),
        None => String::new(),
    }
}

impl Stream {
    /// Decodes the next packet of the track into `pending`; false at the end.
    fn fill(&mut self, scratch: &mut Vec<f32>) -> Result<bool, Unreadable> {
        let more = self.decode_into(scratch)?;
        self.pending.extend(scratch.iter().copied());
        Ok(more)
    }

    /// Decodes the next packet of the track into `out` (replacing what it held); false at
    /// the end.
    fn decode_into(&mut self, out: &mut Vec<f32>) -> Result<bool, Unreadable> {
        out.clear();
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(false),
                // A reader that runs into the end of the file reports it as an error.
                Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(false);
                }
                Err(e) => return Err(format!("damaged stream: {e}")),
            };
            if packet.track_id != self.track {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(buf) => {
                    buf.copy_to_vec_interleaved(out);
                    if out.is_empty() {
                        continue;
                    }
                    self.decoded += (out.len() / self.channels.max(1)) as u64;
                    return Ok(true);
                }
                // A damaged packet of a lossy stream is skipped, as players do.
                Err(Error::DecodeError(_)) => continue,
                Err(e) => return Err(format!("damaged stream: {e}")),
            }
        }
    }
}

/// The files of one source, decoded together as its channels.
pub struct Reader {
    streams: Vec<Stream>,
    scratch: Vec<f32>,
    out: Vec<f32>,
    pub info: FileInfo,
}

impl Reader {
    /// Opens `files` as one source: one file, or mono files read as its channels (they must
    /// share a sample rate).
    pub fn open(files: &[&Path]) -> Result<Reader, (usize, Unreadable)> {
        let mut streams = Vec::new();
        let mut info: Option<FileInfo> = None;
        for (i, path) in files.iter().enumerate() {
            let (stream, this) = open_stream(path).map_err(|e| (i, e))?;
            info = Some(match info {
                None => this,
                Some(mut all) => {
                    if all.sample_rate != this.sample_rate {
                        return Err((
                            i,
                            format!(
                                "its rate ({} Hz) differs from the other channels' ({} Hz)",
                                this.sample_rate, all.sample_rate
                            ),
                        ));
                    }
                    all.channels += this.channels;
                    all.lossy |= this.lossy;
                    all.frames = match (all.frames, this.frames) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        _ => None,
                    };
                    all.bits_per_sample = match (all.bits_per_sample, this.bits_per_sample) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    all
                }
            });
            streams.push(stream);
        }
        let info = info.ok_or((0, "no file".to_string()))?;
        Ok(Reader {
            streams,
            scratch: Vec::new(),
            out: Vec::new(),
            info,
        })
    }

    /// The next block of interleaved frames (all channels), empty at the end.
    pub fn next_block(&mut self) -> Result<&[f32], Unreadable> {
        if let [only] = self.streams.as_mut_slice() {
            if only.done || !only.decode_into(&mut self.out)? {
                only.done = true;
                return Ok(&[]);
            }
            return Ok(&self.out);
        }
        // Lockstep: fill every stream until each has a frame, then hand out what all have.
        for s in &mut self.streams {
            while s.pending.is_empty() && !s.done {
                if !s.fill(&mut self.scratch)? {
                    s.done = true;
                }
            }
        }
        let frames = self
            .streams
            .iter()
            .map(|s| s.pending.len() / s.channels.max(1))
            .min()
            .unwrap_or(0);
        self.out.clear();
        for _ in 0..frames {
            for s in &mut self.streams {
                for _ in 0..s.channels {
                    self.out.push(s.pending.pop_front().unwrap_or(0.0));
                }
            }
        }
        Ok(&self.out)
    }

    /// Frames decoded so far (the shortest channel file's).
    pub fn decoded(&self) -> u64 {
        self.streams.iter().map(|s| s.decoded).min().unwrap_or(0)
    }
}
