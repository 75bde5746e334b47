#!/usr/bin/env bash
# DAWproject interop suite: run premix over the corpus's DAWproject 1.0 files, the sample and a
# generated project, then check every output with xmllint against the DAWproject schema and
# with Python's zipfile and ElementTree (check.py), a reader independent of premix.
#
#   bash tests/interop/dawproject/run.sh
#
# Every project runs with the default rules, the REAPER suite's folders.yaml (new groups),
# remove.yaml (removals, renames), mute.yaml and mixer.yaml (faders and pans, read back by
# check.py against the values the rules ask for). An output must validate against
# ../shared/corpus/schemas/dawproject_Project.xsd whenever its input does (one corpus file,
# re-serialised by a third-party library, does not: its errors must stay the same ones).
# Needs python3 and xmllint (libxml2-utils; installed with apt-get as root when missing).
# Prints one line per case, then "N passed, M failed". Exit 0 all passed, 1 a case failed,
# 2 setup failed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"
PREMIX=${PREMIX_BIN:-$ROOT/target/release/premix}
CORPUS=${PREMIX_CORPUS:-$ROOT/../shared/corpus}
SCHEMA=$CORPUS/schemas/dawproject_Project.xsd
WORK=target/interop/dawproject
PY=${PYTHON:-python3}

die() {
  echo "setup failed: $*" >&2
  exit 2
}

if ! command -v xmllint >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libxml2-utils </dev/null >/dev/null || true
fi
command -v xmllint >/dev/null 2>&1 || die "xmllint not found (Debian's libxml2-utils)"
command -v "$PY" >/dev/null 2>&1 || die "$PY not found"
[[ -f $SCHEMA ]] || die "schema absent: $SCHEMA (the corpus holds it)"
if [[ -z ${PREMIX_BIN:-} ]]; then
  cargo build --release --quiet --bin premix --example generate </dev/null || die "cargo build --release"
elif [[ ! -x $ROOT/target/release/examples/generate ]]; then
  cargo build --release --quiet --example generate </dev/null || die "cargo build --release --example generate"
fi

rm -rf "$WORK"
mkdir -p "$WORK/in"
inputs=()
if [[ -d $CORPUS/dawproject ]]; then
  while IFS= read -r -d '' f; do
    # Bitwig's pre-1.0 JSON prototypes are refused (tests/hostile.rs); only 1.0 files here.
    "$PY" -c 'import sys, zipfile; sys.exit(0 if "project.xml" in zipfile.ZipFile(sys.argv[1]).namelist() else 1)' "$f" &&
      inputs+=("$f")
  done < <(find "$CORPUS/dawproject" -maxdepth 1 -name '*.dawproject' -print0 | sort -z)
fi
while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find samples -name '*.dawproject' -print0 | sort -z)
# 200 tracks: 6 MB of media after project.xml, which then takes a reserved record (src/formats/dawproject/reserve.rs).
"$ROOT/target/release/examples/generate" dawproject 200 "$WORK/in/generated.dawproject" ||
  die "examples/generate dawproject"
inputs+=("$WORK/in/generated.dawproject")

# schema_errors FILE.dawproject: xmllint's schema errors in its project.xml, without line
# numbers, sorted (nothing when it validates).
schema_errors() {
  # Extracted under the suite's own folder: never beside an input (samples/, the corpus).
  local xml
  xml=$(mktemp -p "$WORK" schema.XXXXXX.xml)
  "$PY" -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("project.xml"))' "$1" >"$xml"
  { xmllint --noout --schema "$SCHEMA" "$xml" 2>&1 || true; } |
    grep -v -e ' validates$' -e ' fails to validate$' | sed -e 's/^[^:]*:[0-9]*: //' | sort || true
}

passed=0 failed=0 n=0
for input in "${inputs[@]}"; do
  before=$(schema_errors "$input")
  for rules in default folders remove mute mixer; do
    n=$((n + 1))
    dir=$WORK/$rules/$n
    mkdir -p "$dir"
    args=(apply "$input" --out "$dir" --quiet)
    case $rules in
      folders) args+=(--rules tests/interop/reaper/folders.yaml) ;;
      remove | mute | mixer) args+=(--rules "tests/interop/dawproject/$rules.yaml") ;;
    esac
    if ! "$PREMIX" "${args[@]}" >"$dir/premix.log" 2>&1; then
      echo "FAIL  $rules  $input: premix apply failed: $(tail -1 "$dir/premix.log")"
      failed=$((failed + 1))
      continue
    fi
    output=$dir/$(basename "$input")
    "$PREMIX" inspect "$output" --json >"$dir/inspect.json" 2>>"$dir/premix.log" || true
    after=$(schema_errors "$output")
    problems=""
    if [[ $after != "$before" ]]; then
      problems="schema: before: ${before:-valid} / after: ${after:-valid}"
    fi
    status=0
    want=()
    [[ $rules == mixer ]] && want=(-3,0.25)
    result=$("$PY" tests/interop/dawproject/check.py "$input" "$output" "$dir/inspect.json" "${want[@]}" 2>&1) || status=$?
    if [[ $status -eq 0 && -z $problems ]]; then
      passed=$((passed + 1))
      if [[ -z $after ]]; then
        echo "PASS  $rules  $input: ${result##*$'\n'}, schema-valid"
      else
        echo "PASS  $rules  $input: ${result##*$'\n'}, the input's schema errors and no others"
      fi
    else
      failed=$((failed + 1))
      echo "FAIL  $rules  $input:"
      [[ -n $problems ]] && echo "$problems"
      echo "$result"
    fi
  done
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
