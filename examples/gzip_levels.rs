//! The measurements behind premix's gzip choice: inflate time, then deflate time and size per
//! level, single-stream (flate2 on zlib-rs) and in parallel blocks ([`ParallelGzip`]), on the
//! XML of one Live set.
//!
//!     cargo run --release --example gzip_levels -- SET.als
//!
//! Prints figures for BENCHMARKS.md; not a test.
use premix::parallel_gzip::ParallelGzip;
use std::io::{Read, Write};
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: gzip_levels SET.als");
    let gz = std::fs::read(path).expect("read");
    let t = Instant::now();
    let mut xml = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut xml)
        .expect("gzip");
    println!("inflate: {:.1} ms for {} bytes of XML", ms(t), xml.len());
    println!("rayon threads: {}", rayon::current_num_threads());
    for level in [1, 3, 4, 5, 6, 9] {
        let t = Instant::now();
        let mut single = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        single.write_all(&xml).expect("deflate");
        let single = single.finish().expect("deflate");
        let single_ms = ms(t);
        let t = Instant::now();
        let mut parallel = ParallelGzip::new(level, 3, 0);
        parallel.write_all(&xml).expect("deflate");
        let parallel = parallel.finish().expect("deflate");
        println!(
            "level {level}: single stream {single_ms:7.1} ms {:>10} bytes | parallel blocks {:7.1} ms {:>10} bytes",
            single.len(),
            ms(t),
            parallel.len()
        );
    }
}
