#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, seeded from the corpus and the samples.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET]     (default 20)
#
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets this stable toolchain build them.
# A crash leaves its input under fuzz/artifacts/<target>/; turn it into a regression test
# (tests/fuzz_regressions.rs) before fixing it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_PER_TARGET=${1:-20}
CORPUS=${PREMIX_CORPUS:-../shared/corpus}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet </dev/null
fi

seed() { # seed TARGET FILES...: copy small seed files into the target's working corpus
  local dir=target/fuzz-corpus/$1
  shift
  mkdir -p "$dir"
  for f in "$@"; do
    [[ -f $f && $(stat -c %s "$f") -lt 200000 ]] && cp "$f" "$dir/" || true
  done
}
shopt -s nullglob nocaseglob
seed rpp "$CORPUS"/rpp/*.rpp samples/reaper/*.rpp
seed ardour "$CORPUS"/ardour/*.ardour "$CORPUS"/ardour/*.template samples/ardour/*/*.ardour
seed rules rules/*.yaml tests/interop/*/*.yaml
# Live sets are seeded decompressed too: raw XML is a valid .als, and mutations of text
# reach the XML scanner where mutations of gzip bytes mostly stop at the checksum.
seed als "$CORPUS"/als/*.als samples/als/*.als
for f in "$CORPUS"/als/*.als samples/als/*.als; do
  [[ $(stat -c %s "$f") -lt 60000 ]] && { gzip -dc "$f" 2>/dev/null >"target/fuzz-corpus/als/$(basename "$f").xml" || true; }
done
# DAWprojects: the containers, and their project.xml alone (the target also wraps its input
# in a container, so XML mutations get past the CRC).
seed dawproject "$CORPUS"/dawproject/*.dawproject samples/dawproject/*.dawproject
for f in "$CORPUS"/dawproject/*.dawproject samples/dawproject/*.dawproject; do
  unzip -p "$f" project.xml >"target/fuzz-corpus/dawproject/$(basename "$f").xml" 2>/dev/null || true
done
shopt -u nullglob nocaseglob

echo "== cargo fuzz build"
cargo fuzz build </dev/null

for target in rpp als ardour dawproject rules; do
  echo "== fuzz $target for ${SECONDS_PER_TARGET}s"
  log=target/fuzz-$target.log
  status=0
  cargo fuzz run "$target" "target/fuzz-corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=262144 -rss_limit_mb=2048 \
    -print_final_stats=1 </dev/null >"$log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY|Done)" "$log" || true
  if [[ $status -ne 0 ]]; then
    tail -40 "$log"
    echo "fuzz $target failed (exit $status); the input is under fuzz/artifacts/$target/"
    exit 1
  fi
done
echo "fuzzing found no crash"
