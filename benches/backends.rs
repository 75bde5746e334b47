//! In-process benchmarks of each backend's read, plan and write (and the whole verified
//! pipeline) on generated projects (`benches/gen`). Moderate sizes, so `cargo bench` stays a
//! few minutes; `bench/compare.sh` runs the full-size whole-process comparison with peers.

#[path = "gen/mod.rs"]
mod projgen;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use premix::formats;
use premix::pipeline;
use premix::rules::{self, RuleSet};
use premix::session::Format;
use std::hint::black_box;

fn inputs() -> Vec<(Format, &'static str, Vec<u8>)> {
    vec![
        (Format::Rpp, "rpp-4MB", projgen::rpp(4_000_000)),
        (Format::Als, "als-5MB-xml", projgen::als(5_000_000)),
        (Format::Ardour, "ardour-100-routes", projgen::ardour(100)),
    ]
}

fn backends(c: &mut Criterion) {
    let rules = RuleSet::default_rules();
    for (format, name, bytes) in inputs() {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("read", format), |b| {
            b.iter(|| formats::open(format, black_box(&bytes)).unwrap())
        });
        let project = formats::open(format, &bytes).unwrap();
        group.bench_function(BenchmarkId::new("plan", format), |b| {
            b.iter(|| {
                let mut plan = rules::plan(&rules, project.session());
                project.vet(&mut plan);
                plan
            })
        });
        let mut plan = rules::plan(&rules, project.session());
        project.vet(&mut plan);
        group.bench_function(BenchmarkId::new("write", format), |b| {
            b.iter(|| project.write(black_box(&plan)).unwrap())
        });
        group.bench_function(BenchmarkId::new("process", format), |b| {
            b.iter(|| pipeline::process(format, black_box(&bytes), &rules, true).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, backends);
criterion_main!(benches);
