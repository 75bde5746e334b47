#!/usr/bin/env bash
# Live interop suite: run premix over real Live sets and read every output with abletoolz, an
# independent Live-set reader (Live itself does not run on Linux). See check.py.
#
#   bash tests/interop/als/run.sh
#
# Every set runs twice: with the default rules, and with the REAPER suite's folders.yaml (one
# rules file for every DAW), which creates and fills new groups. Prints one line per case,
# then "N passed, M failed". Exit 0 all passed, 1 a case failed, 2 setup failed.
set -euo pipefail

ABLETOOLZ_VERSION=1.1.1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"
VENV=target/interop-venv-als
PY=$VENV/bin/python
PREMIX=${PREMIX_BIN:-$ROOT/target/release/premix}
CORPUS=${PREMIX_CORPUS:-$ROOT/../shared/corpus}
WORK=target/interop/als

die() {
  echo "setup failed: $*" >&2
  exit 2
}

if ! [[ -x $PY ]] || ! "$PY" -c "import abletoolz" 2>/dev/null; then
  echo "setting up $VENV (abletoolz==$ABLETOOLZ_VERSION)"
  "${PYTHON:-python3}" -m venv --clear "$VENV" </dev/null || die "python3 -m venv"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-input "abletoolz==$ABLETOOLZ_VERSION" \
    </dev/null || die "pip install abletoolz"
fi
if [[ -z ${PREMIX_BIN:-} ]]; then
  cargo build --release --quiet </dev/null || die "cargo build --release"
fi

inputs=()
if [[ -d $CORPUS/als ]]; then
  while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$CORPUS/als" -maxdepth 1 -name '*.als' -print0 | sort -z)
else
  echo "corpus absent: $CORPUS/als not found, skipping corpus cases"
fi
while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find samples -name '*.als' -print0 | sort -z)

rm -rf "$WORK"
mkdir -p "$WORK"
passed=0 failed=0 skipped=0 n=0
for input in "${inputs[@]}"; do
  # mixer: faders, pans and direct outputs (reaper/mixer.yaml); drymix: clip gains too, on
  # the sample, which has its audio (samples/make-media.py).
  rulesets=(default folders mixer)
  [[ $input == samples/* ]] && rulesets+=(drymix)
  for rules in "${rulesets[@]}"; do
    n=$((n + 1))
    dir=$WORK/$rules/$n
    mkdir -p "$dir"
    args=(apply "$input" --out "$dir" --quiet)
    [[ $rules == folders ]] && args+=(--rules tests/interop/reaper/folders.yaml)
    [[ $rules == mixer ]] && args+=(--rules tests/interop/reaper/mixer.yaml)
    [[ $rules == drymix ]] && args+=(--rules dry-mix)
    if ! "$PREMIX" "${args[@]}" >"$dir/premix.log" 2>&1; then
      echo "FAIL  $rules  $input: premix apply failed: $(tail -1 "$dir/premix.log")"
      failed=$((failed + 1))
      continue
    fi
    output=$dir/$(basename "$input")
    "$PREMIX" inspect "$output" --json >"$dir/inspect.json" 2>>"$dir/premix.log" || true
    status=0
    result=$("$PY" tests/interop/als/check.py "$input" "$output" "$dir/inspect.json" 2>&1) || status=$?
    case $status in
      0) passed=$((passed + 1)); echo "PASS  $rules  $input: ${result##*$'\n'}" ;;
      3) skipped=$((skipped + 1)); echo "SKIP  $rules  $input: ${result##*$'\n'}" ;;
      *) failed=$((failed + 1)); echo "FAIL  $rules  $input:"; echo "$result" ;;
    esac
  done
done
echo "$skipped cases skipped (abletoolz cannot read the input: raw-XML or pre-8.2 sets)"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
