#!/usr/bin/env bash
# Peak memory of premix where it used to grow with the input (issue #14), measured as the
# peak RSS of the whole process (/usr/bin/time -f %M). Prints one verdict line per target;
# figures and the machine in BENCHMARKS.md.
#
#   bash bench/memory.sh
#
# Environment: PROJECTS (10000) small projects tidied in place; NAME_MB (100) the size of the
# one huge track name (in each format); SETS (8) Live sets of SET_MB (100) MB of XML read at
# once on THREADS (8) threads with --max-size MAX_MB (128). Needs python3 and /usr/bin/time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
W=$ROOT/target/bench-memory
PROJECTS=${PROJECTS:-10000}
NAME_MB=${NAME_MB:-100}
SETS=${SETS:-8}
SET_MB=${SET_MB:-100}
THREADS=${THREADS:-8}
MAX_MB=${MAX_MB:-128}
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time missing (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet --bin premix </dev/null
PREMIX=$ROOT/target/release/premix
rm -rf "$W"
mkdir -p "$W"
SAMPLE=$ROOT/samples/reaper/messy-session.rpp

# peak CMD...: runs CMD (any exit status), prints its peak RSS in KiB.
peak() {
  /usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>"$W/stderr" || true
  tail -n1 "$W/rss"
}
RESULTS=()
verdict() { # verdict LABEL HOLDS(0/1) DETAIL
  local s=FAIL
  [[ $2 == 1 ]] && s=HOLDS
  RESULTS+=("$(printf '%-6s %s: %s' "$s" "$1" "$3")")
}
mb() { echo "scale=1; $1 / 1024" | bc -l; }
le() { [[ $(echo "$1 <= $2" | bc -l) == 1 ]] && echo 1 || echo 0; }
lt() { [[ $(echo "$1 < $2" | bc -l) == 1 ]] && echo 1 || echo 0; }

echo "machine: $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- many small projects in place ------------------------------------------------------------
echo "## $PROJECTS projects in place (the REAPER sample, $(stat -c %s "$SAMPLE") bytes each)"
for ((i = 0; i < PROJECTS; i++)); do
  d=$W/many/$((i % 100))
  [[ -d $d ]] || mkdir -p "$d"
  cp "$SAMPLE" "$d/p$i.rpp"
done
m=$(peak "$PREMIX" apply "$W/many" --in-place --quiet)
echo "  apply --in-place: peak $(mb "$m") MB"
verdict "$PROJECTS projects in place" "$(lt "$m" $((300 * 1024)))" "peak $(mb "$m") MB (target < 300 MB)"
m=$(peak "$PREMIX" check "$W/many" --quiet)
echo "  check (after): peak $(mb "$m") MB"
m=$(peak "$PREMIX" check "$W/many" --json)
echo "  check --json: peak $(mb "$m") MB"
rm -rf "$W/many"

# --- one project whose bytes are nearly all one track name -----------------------------------
echo "## one track name of $NAME_MB MB (the sample, its 'Synth Pad' renamed)"
python3 - "$SAMPLE" "$W/huge.rpp" "$NAME_MB" <<'EOF'
import sys
src = open(sys.argv[1], 'rb').read()
old = b'NAME "Synth Pad"'
i = src.index(old)
open(sys.argv[2], 'wb').write(src[:i] + b'NAME "' + b'x' * (int(sys.argv[3]) << 20) + b'"' + src[i + len(old):])
EOF
size=$(($(stat -c %s "$W/huge.rpp") / 1024))
for run in "check" "apply --out" "apply --in-place"; do
  cp "$W/huge.rpp" "$W/h.rpp"
  case $run in
    check) m=$(peak "$PREMIX" check "$W/h.rpp" --quiet) ;;
    "apply --out") m=$(peak "$PREMIX" apply "$W/h.rpp" --out "$W/out" --quiet) ;;
    *) m=$(peak "$PREMIX" apply "$W/h.rpp" --in-place --quiet) ;;
  esac
  r=$(echo "scale=2; $m / $size" | bc -l)
  echo "  $run: peak $(mb "$m") MB = ${r}x the project"
  verdict "one $NAME_MB MB name, $run" "$(lt "$r" 3)" "peak $(mb "$m") MB = ${r}x the $(mb "$size") MB project (target < 3x)"
  rm -rf "$W/h.rpp"* "$W/out" "$W"/.h.rpp*
done

# --- the same in the other formats ---------------------------------------------------------
# A name of NAME_MB MB in an Ardour route's name attribute, a Live track's UserName (the set
# gzipped: its size here is the XML's, as the memory budget counts it) and a DAWproject
# track's name attribute (project.xml stored).
echo "## one track name of $NAME_MB MB in an Ardour session, a Live set, a DAWproject"
mkdir -p "$W/fmt"
python3 - "$ROOT/samples" "$W/fmt" "$NAME_MB" <<'EOF'
import gzip, re, sys, zipfile
src, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = b'x' * (mb << 20)
a = open(f'{src}/ardour/messy-session/messy-session.ardour', 'rb').read()
i = re.search(rb'<Route [^>]*?name="synth pad"', a).end() - len(b'synth pad"')
open(f'{out}/huge.ardour', 'wb').write(a[:i] + x + a[i + len(b'synth pad'):])
l = gzip.open(f'{src}/als/messy-set.als').read()
old = b'<UserName Value="Synth Pad" />'
i = l.index(old)
xml = l[:i] + b'<UserName Value="' + x + b'" />' + l[i + len(old):]
open(f'{out}/xml-size', 'w').write(str(len(xml)))
with gzip.open(f'{out}/huge.als', 'wb', compresslevel=1) as f:
    f.write(xml)
zin = zipfile.ZipFile(f'{src}/dawproject/messy-session.dawproject')
with zipfile.ZipFile(f'{out}/huge.dawproject', 'w', zipfile.ZIP_STORED) as z:
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename == 'project.xml':
            data = data.replace(b'name="Synth Pad"', b'name="' + x + b'"', 1)
        z.writestr(info.filename, data)
EOF
for f in huge.ardour huge.als huge.dawproject; do
  size=$(($(stat -c %s "$W/fmt/$f") / 1024))
  [[ $f == huge.als ]] && size=$(($(cat "$W/fmt/xml-size") / 1024))
  for run in "check" "apply --out" "apply --in-place"; do
    rm -rf "$W/t" "$W/out"
    mkdir -p "$W/t"
    cp "$W/fmt/$f" "$W/t/$f"
    case $run in
      check) m=$(peak "$PREMIX" check "$W/t/$f" --quiet) ;;
      "apply --out") m=$(peak "$PREMIX" apply "$W/t/$f" --out "$W/out" --quiet) ;;
      *) m=$(peak "$PREMIX" apply "$W/t/$f" --in-place --quiet) ;;
    esac
    r=$(echo "scale=2; $m / $size" | bc -l)
    echo "  ${f#huge.} $run: peak $(mb "$m") MB = ${r}x the project"
    verdict "one $NAME_MB MB name in ${f#huge.}, $run" "$(lt "$r" 3)" "peak $(mb "$m") MB = ${r}x the $(mb "$size") MB project (target < 3x)"
  done
done
rm -rf "$W/fmt" "$W/t" "$W/out"

# --- Live sets read at once ------------------------------------------------------------------
echo "## $SETS Live sets of $SET_MB MB of XML each, $THREADS threads, --max-size $MAX_MB"
mkdir -p "$W/sets"
python3 - "$W/sets/0.als" "$SET_MB" <<'EOF'
import gzip, sys
with gzip.open(sys.argv[1], 'wb', compresslevel=1) as f:
    f.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<Ableton>')
    block = b' ' * (1 << 20)
    for _ in range(int(sys.argv[2])):
        f.write(block)
    f.write(b'</Ableton>\n')
EOF
for ((i = 1; i < SETS; i++)); do cp "$W/sets/0.als" "$W/sets/$i.als"; done
m=$(peak env RAYON_NUM_THREADS="$THREADS" "$PREMIX" check "$W/sets" --quiet --max-size "$MAX_MB")
budget=$((3 * MAX_MB * 1024))
echo "  check: peak $(mb "$m") MB (memory budget: 3 x --max-size = $(mb "$budget") MB)"
verdict "$SETS sets at once on $THREADS threads" "$(le "$m" "$budget")" "peak $(mb "$m") MB (target <= the budget, $(mb "$budget") MB; $THREADS sets at once would hold $((THREADS * SET_MB)) MB of XML alone)"
rm -rf "$W/sets"

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## targets"
printf '%s\n' "${RESULTS[@]}"
