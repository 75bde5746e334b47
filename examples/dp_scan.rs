//! The DAWproject scan (`formats::dawproject::scan::scan`) on its own, as a measuring and
//! comparing aid (not a test):
//!
//!     cargo run --release --example dp_scan -- time FILE.xml        # best of 10
//!     cargo run --release --example dp_scan -- dump FILE.xml...     # what the scan read
//!     cargo run --release --example dp_scan -- mutate FILE.xml...   # the same, on variants
//!     cargo run --release --example dp_scan -- session FILE.xml...  # session_of, best of 10
//!     cargo run --release --example dp_scan -- read FILE.dawproject # a whole read, best of 10
//!
//! `dump` prints, per file, the scan's result (every field of the document but the XML it
//! holds, or the error); `mutate` does so for every truncation of each file and for each
//! byte replaced by, inserted as or deleted for one of the bytes XML syntax turns on, one
//! line per variant (a digest for a document, the error in full). Comparing the output of
//! two builds shows whether a change to the scan changed what it reads or refuses.
use premix::formats::dawproject::scan::scan;
use premix::session::NamePool;
use std::borrow::Cow;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Instant;

fn described(xml: &[u8]) -> String {
    match scan(Cow::Borrowed(xml), &NamePool::fresh()) {
        Ok(d) => format!(
            "ok structure={} max_id={:?}\ndoc={:?}\ntracks={:?}\nmedia={:?}\nexternal={:?}",
            d.structure, d.max_id, d.doc, d.tracks, d.media, d.external_files
        ),
        Err(e) => format!("err {e}"),
    }
}

fn digest(s: &str) -> String {
    if let Some(e) = s.strip_prefix("err ") {
        return format!("err {e}");
    }
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    format!("ok {:016x}", h.finish())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, files) = args
        .split_first()
        .expect("usage: dp_scan time|dump|mutate FILE...");
    for f in files {
        let xml = std::fs::read(f).expect("readable file");
        match mode.as_str() {
            "time" => {
                let (mut best, mut best_drop) = (f64::MAX, f64::MAX);
                for _ in 0..10 {
                    let t = Instant::now();
                    let d = scan(Cow::Borrowed(&xml[..]), &NamePool::fresh()).expect("scans");
                    std::hint::black_box(&d);
                    let scanned = t.elapsed().as_secs_f64();
                    drop(d);
                    best = best.min(t.elapsed().as_secs_f64());
                    best_drop = best_drop.min(t.elapsed().as_secs_f64() - scanned);
                }
                println!(
                    "{f}: scan best of 10 {:.2} ms (dropping the document {:.2} ms)",
                    best * 1e3,
                    best_drop * 1e3
                );
            }
            "dump" => {
                let s = described(&xml);
                println!("== {f} ({})\n{s}", digest(&s));
            }
            "mutate" => {
                println!("== {f}");
                const BYTES: &[u8] = b"<>\"'&/=; ?!a\n\xff\xc3\xef";
                let mut v = Vec::with_capacity(xml.len() + 1);
                for at in 0..=xml.len() {
                    println!("cut {at}: {}", digest(&described(&xml[..at])));
                    if at == xml.len() {
                        break;
                    }
                    v.clear();
                    v.extend_from_slice(&xml[..at]);
                    v.extend_from_slice(&xml[at + 1..]);
                    println!("del {at}: {}", digest(&described(&v)));
                    for &b in BYTES {
                        v.clear();
                        v.extend_from_slice(&xml);
                        v[at] = b;
                        println!("set {at} {b:02x}: {}", digest(&described(&v)));
                        v.clear();
                        v.extend_from_slice(&xml[..at]);
                        v.push(b);
                        v.extend_from_slice(&xml[at..]);
                        println!("ins {at} {b:02x}: {}", digest(&described(&v)));
                    }
                }
            }
            "session" => {
                // The session of a scanned document (`session_of`), best of 10, and a digest
                // of it (its Debug form) to compare two builds.
                let names = NamePool::fresh();
                let doc = scan(Cow::Borrowed(&xml[..]), &names).expect("scans");
                let mut best = f64::MAX;
                let mut last = None;
                for _ in 0..10 {
                    let t = Instant::now();
                    let s = premix::formats::dawproject::session_of(&doc, &xml, &names);
                    std::hint::black_box(&s);
                    best = best.min(t.elapsed().as_secs_f64());
                    last = Some(s);
                }
                println!(
                    "{f}: session_of best of 10 {:.2} ms ({})",
                    best * 1e3,
                    digest(&format!("ok {:?}", last.expect("ten runs")))
                );
            }
            "read" => {
                // A whole read of a `.dawproject` (container, scan, session), best of 10.
                let limits = premix::limits::Limits::default();
                let mut best = f64::MAX;
                for _ in 0..10 {
                    let t = Instant::now();
                    let p = premix::formats::dawproject::DawProject::read_checked(
                        &xml,
                        &limits,
                        premix::formats::dawproject::container::Check::Layout,
                    )
                    .expect("reads");
                    std::hint::black_box(&p);
                    drop(p);
                    best = best.min(t.elapsed().as_secs_f64());
                }
                println!("{f}: read best of 10 {:.2} ms", best * 1e3);
            }
            _ => panic!("mode is time, session, read, dump or mutate"),
        }
    }
}
