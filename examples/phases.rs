//! Times each phase of one `apply --out` in-process (read, open, plan, vet, streamed write,
//! read back, verify re-read, sync), with the live heap and its peak after each (and the
//! resident memory, on Linux), then the best of ten reads:
//!
//!     cargo run --release --example phases -- FILE [RULES]
//!
//! A measuring aid for BENCHMARKS.md, not a test.
use premix::formats;
use premix::pipeline::{ReadBack, Sink};
use premix::session::Format;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts live heap bytes and their peak, so each phase can print what it holds.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let now = LIVE.fetch_add(new, Relaxed) + new;
        PEAK.fetch_max(now, Relaxed);
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}
#[global_allocator]
static A: Counting = Counting;

/// The process's resident memory and its peak so far, where the system tells (Linux).
fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(now), Some(peak)) => format!("  rss {now:6.1} MiB  peak {peak:6.1} MiB"),
        _ => String::new(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(&args[1]);
    let rules = match args.get(2) {
        Some(r) => premix::config::load_file(std::path::Path::new(r)).expect("rules"),
        None => premix::rules::RuleSet::default_rules(),
    };
    let format: Format = formats::format_for_path(path).expect("format");
    let t = Instant::now();
    let lap = |what: &str| {
        let mb = |n: usize| n as f64 / 1048576.0;
        eprintln!(
            "{what:>14}: {:8.1} ms  heap {:6.1} MiB  peak {:6.1} MiB{}",
            t.elapsed().as_secs_f64() * 1e3,
            mb(LIVE.load(Relaxed)),
            mb(PEAK.load(Relaxed)),
            rss()
        );
    };
    let (bytes, _) = premix::write::read(path, &Default::default()).expect("read");
    lap("read file");
    let project = formats::open(format, &bytes).expect("open");
    lap("open (scan)");
    let mut plan = premix::rules::plan(&rules, project.session());
    lap("plan");
    project.vet(&mut plan);
    lap("vet");
    // As the CLI does: the output streams into a staged temporary file.
    let dest = std::env::temp_dir().join(format!("phases-out.{}", format.as_str()));
    let mut staged = premix::write::Staged::create(&dest, None).expect("stage");
    project.write_to(&plan, &mut staged).expect("write");
    staged.finish().expect("flush");
    lap("write (stream)");
    // As the pipeline does: the read document and the input go before the output is read back.
    let session = project.session().clone();
    drop(project);
    let input_len = bytes.len();
    drop(bytes);
    lap("drop input");
    // Read back a block at a time (REAPER) or whole (the other formats).
    let ReadBack::File(back) = staged.read_back().expect("read back") else {
        unreachable!("a staged file reads back as a file")
    };
    let reread = formats::read_session(
        format,
        back,
        Vec::new(),
        &Default::default(),
        &Default::default(),
    )
    .expect("reread");
    lap("verify re-read");
    let predicted = plan.predict(&session);
    assert_eq!(predicted.tracks.len(), reread.tracks.len());
    lap("predict");
    drop((reread, predicted));
    // The CLI syncs at the same time as the verification.
    staged.sync().expect("sync");
    staged.commit().expect("commit");
    lap("sync + commit");
    // Single runs are noisy on a shared machine: the best of ten reads of input and output.
    let out = std::fs::read(&dest).expect("output");
    let bytes = std::fs::read(path).expect("input");
    assert_eq!(bytes.len(), input_len);
    let best = |bytes: &[u8]| {
        (0..10)
            .map(|_| {
                let t = Instant::now();
                drop(formats::open(format, bytes).expect("open"));
                t.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::INFINITY, f64::min)
    };
    eprintln!(
        "best of 10: read input {:.1} ms, read output {:.1} ms",
        best(&bytes),
        best(&out)
    );
}
