#!/usr/bin/env bash
# REAPER interop suite: run premix over real .RPP files and check every output with two
# independent REAPER parsers (see check.py and README.md next to this file).
#
#   bash tests/interop/reaper/run.sh
#
# Environment: PREMIX_CORPUS (default <repo>/../shared/corpus), PREMIX_CASES (default
# <repo>/../shared/cases), PYTHON (default python3),
# CASE_TIMEOUT seconds per premix/checker call (default 120), PREMIX_BIN (use this premix
# binary instead of building target/release/premix; for testing the suite itself).
# Prints one line per case, then "N passed, M failed". Exit 0 all passed, 1 a case failed,
# 2 the suite could not be set up (virtualenv, pip or cargo failed).
set -euo pipefail

RPPXML_VERSION=0.1.4 # REAPER's WDL ProjectStateContext reader, lenient
RPP_VERSION=0.5      # Perlence/rpp, strict PLY grammar
PLY_VERSION=3.11     # rpp's dependencies, pinned so the strict parser cannot drift
ATTRS_VERSION=26.1.0

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"

VENV=target/interop-venv
PY=$VENV/bin/python
CHECK=$HERE/check.py
RULES=$HERE/folders.yaml
PREMIX=${PREMIX_BIN:-$ROOT/target/release/premix}
WORK=target/interop/reaper
CORPUS=${PREMIX_CORPUS:-$ROOT/../shared/corpus}
CASES=${PREMIX_CASES:-$ROOT/../shared/cases}
BREAKS=$HERE/breaks.yaml
MIXER=$HERE/mixer.yaml
TIMEOUT=${CASE_TIMEOUT:-120}

die() {
  echo "setup failed: $*" >&2
  exit 2
}

# --- Python parsers --------------------------------------------------------------------------
venv_ready() {
  [[ -x $PY ]] && "$PY" - "$RPPXML_VERSION" "$RPP_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
import rpp, rppxml  # noqa: F401
sys.exit(0 if (version("rppxml"), version("rpp")) == tuple(sys.argv[1:3]) else 1)
EOF
}

if ! venv_ready; then
  echo "setting up $VENV (rppxml==$RPPXML_VERSION, rpp==$RPP_VERSION)"
  "${PYTHON:-python3}" -m venv --clear "$VENV" </dev/null || die "python3 -m venv $VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-input \
    "rppxml==$RPPXML_VERSION" "rpp==$RPP_VERSION" "ply==$PLY_VERSION" "attrs==$ATTRS_VERSION" \
    </dev/null || die "pip install of the REAPER parsers into $VENV"
  venv_ready || die "rppxml/rpp do not import from $VENV"
fi

# --- premix ----------------------------------------------------------------------------------
if [[ -z ${PREMIX_BIN:-} ]]; then
  cargo build --release --quiet </dev/null || die "cargo build --release"
fi
[[ -x $PREMIX ]] || die "$PREMIX is not an executable"

# --- inputs ----------------------------------------------------------------------------------
inputs=()
if [[ -d $CORPUS/rpp ]]; then
  while IFS= read -r -d '' f; do inputs+=("$f"); done \
    < <(find "$CORPUS/rpp" -maxdepth 1 -type f \( -name '*.rpp' -o -name '*.RPP' \) -print0 | sort -z)
else
  echo "corpus absent: $CORPUS/rpp not found, skipping corpus cases (set PREMIX_CORPUS to use another)"
fi
if [[ -d samples ]]; then
  while IFS= read -r -d '' f; do inputs+=("$f"); done \
    < <(find samples -type f -iname '*.rpp' -print0 | sort -z)
fi
# The shared fault cases (../shared/cases/rpp-*: line-break names, `>` lines with trailing
# blanks): run like the others, with their own rules file when the case has one (ruleset
# `case`), and with breaks.yaml (every name gets a line break: ruleset `breaks`).
case_inputs=()
if [[ -d $CASES ]]; then
  while IFS= read -r -d '' f; do case_inputs+=("$f"); done \
    < <(find "$CASES" -mindepth 2 -maxdepth 2 -path "$CASES/rpp-*" -type f -iname '*.rpp' -print0 | sort -z)
else
  echo "cases absent: $CASES not found, skipping the fault cases (set PREMIX_CASES to use another)"
fi
inputs+=("${case_inputs[@]}")
[[ ${#inputs[@]} -gt 0 ]] || echo "no .rpp inputs found (corpus absent and none under samples/)"

rm -rf "$WORK"
mkdir -p "$WORK"

# --- cases -----------------------------------------------------------------------------------
passed=0
failed=0

label_of() {
  case $1 in
    "$CORPUS"/*) echo "corpus/${1#"$CORPUS"/}" ;;
    "$CASES"/*) echo "cases/${1#"$CASES"/}" ;;
    *) echo "$1" ;;
  esac
}

# run_case RULESET INPUT N: one premix run and one check; prints exactly one line.
run_case() {
  local ruleset=$1 input=$2 n=$3
  local dir=$WORK/$ruleset/$n
  local out=$dir/out/$(basename "$input")
  local log=$dir/premix.log
  local label rc=0
  label=$(label_of "$input")
  mkdir -p "$dir/out"

  local args=(apply "$input" --out "$dir/out")
  local media_args=()
  [[ $ruleset == folders ]] && args+=(--rules "$RULES")
  # --copy-media: the media under the input's folder is copied into the output's, same layout.
  [[ $ruleset == copy ]] && args+=(--copy-media) &&
    media_args=(--copied-from "$(dirname "$input")" --copied-to "$dir/out")
  [[ $ruleset == breaks ]] && args+=(--rules "$BREAKS")
  [[ $ruleset == mixer ]] && args+=(--rules "$MIXER")
  [[ $ruleset == drymix ]] && args+=(--rules dry-mix)
  [[ $ruleset == case ]] && args+=(--rules "$(case_rules "$input")")
  timeout "$TIMEOUT" "$PREMIX" "${args[@]}" >"$log" 2>&1 </dev/null || rc=$?
  if [[ $rc -ne 0 ]]; then
    report FAIL "premix apply exited $rc: $(grep -m1 . "$log" || true)"
    return
  fi
  if [[ ! -f $out ]]; then
    report FAIL "premix apply wrote no $out"
    return
  fi
  timeout "$TIMEOUT" "$PREMIX" inspect "$out" --json >"$dir/inspect.json" 2>>"$log" </dev/null || rc=$?
  if [[ $rc -ne 0 ]]; then
    report FAIL "premix inspect --json exited $rc: $(grep -m1 . "$log" || true)"
    return
  fi
  timeout "$TIMEOUT" "$PY" "$CHECK" "$input" "$out" "$dir/inspect.json" "${media_args[@]}" >"$dir/check.txt" 2>&1 </dev/null || rc=$?
  local extra="" first more
  grep -q 'input rejected by rpp, skipped strict check' "$dir/check.txt" &&
    extra="; input rejected by rpp, skipped strict check"
  if [[ $rc -eq 0 ]]; then
    report PASS "$(head -n1 "$dir/check.txt" | sed 's/^ok: //')$extra"
    return
  fi
  first=$(grep -m1 '^FAIL ' "$dir/check.txt" | sed 's/^FAIL //' || true)
  more=$(($(grep -c '^FAIL ' "$dir/check.txt" || true) - 1))
  [[ -n $first ]] || first="check.py exited $rc: $(tail -n1 "$dir/check.txt")"
  [[ $more -gt 0 ]] && first+=" (+$more more)"
  report FAIL "$first; see $dir/check.txt"
}

# case_rules INPUT: the rules file next to a fault case, if it has one.
case_rules() {
  find "$(dirname "$1")" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' \) | sort | head -n1
}

# report PASS|FAIL DETAIL, for the case run_case is running ($ruleset, $label).
report() {
  local status=$1 detail=$2
  if [[ $status == PASS ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  printf '%s  %-7s  %s: %s\n' "$status" "$ruleset" "$label" "$detail"
}

n=0
for input in "${inputs[@]}"; do
  n=$((n + 1))
  run_case default "$input" "$n"
  run_case folders "$input" "$n"
  # The samples have real media next to them (the corpus has none): written elsewhere with
  # --copy-media too (the default, above, rewrites FILE lines to reach the originals).
  [[ $input == samples/* ]] && run_case copy "$input" "$n"
  run_case mixer "$input" "$n"
  # The samples have their audio (samples/make-media.py): the embedded dry-mix convention
  # writes clip gains (item VOLPAN), faders and a direct-routed reference.
  [[ $input == samples/* ]] && run_case drymix "$input" "$n"
done
for input in "${case_inputs[@]}"; do
  n=$((n + 1))
  run_case breaks "$input" "$n"
  [[ -n $(case_rules "$input") ]] && run_case case "$input" "$n"
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
