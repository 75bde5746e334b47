#!/usr/bin/env bash
# Whole-process comparison of premix with what users would otherwise run, on the same
# generated inputs, in one run. Prints medians, ratios and peak memory; see BENCHMARKS.md.
#
#   bash bench/compare.sh
#
# Installs what it needs under target/bench/: a virtualenv with abletoolz and rpp (PyPI), the
# rpp-parser crate (crates.io) in a scratch cargo project, and uses Debian's ardour package
# (ardour7-lua) for the Ardour load time (installed with apt-get when missing and root).
# premix runs bench/recolour.yaml (the peers' job: recolour every track) for the targets, and the
# default rules once more for information.
# Environment: RUNS (default 5) runs per fast command, PEER_RUNS (default 3) per Python peer,
# RPP_SIZE (35MB), ALS_SIZE (50MB of XML), ARDOUR_ROUTES (300), DAWPROJECT_TRACKS (2000),
# DAWPROJECT_MEDIA (8820 bytes of audio per embedded WAV), PREMIX_CORPUS (<repo>/../shared/corpus),
# DAWPROJECT_LONG (1: also time a project of longer clips, DAWPROJECT_LONG_MEDIA bytes each,
# default 88200, for scale), PYTHON (python3), STEMS (40) and STEM_SECONDS (60) for the preflight session, ONLY (a
# section to run alone: preflight, dawproject or infer).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
W=$ROOT/target/bench
RUNS=${RUNS:-5}
PEER_RUNS=${PEER_RUNS:-3}
RPP_SIZE=${RPP_SIZE:-35MB}
ALS_SIZE=${ALS_SIZE:-50MB}
ARDOUR_ROUTES=${ARDOUR_ROUTES:-300}
DAWPROJECT_TRACKS=${DAWPROJECT_TRACKS:-2000}
export DAWPROJECT_MEDIA=${DAWPROJECT_MEDIA:-8820}
CORPUS=${PREMIX_CORPUS:-$ROOT/../shared/corpus}
PY=${PYTHON:-python3}
# The peers recolour every track and save; premix is timed doing the same job (bench/recolour.yaml:
# every track one colour, nothing else), with the default rules (renames, buses, flags) on an
# extra line for information.
RECOLOUR=$ROOT/bench/recolour.yaml
mkdir -p "$W/in" "$W/out"

die() { echo "setup failed: $*" >&2; exit 2; }
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"

# --- setup -----------------------------------------------------------------------------------
echo "## setup"
cargo build --release --quiet --bin premix --example generate </dev/null || die "cargo build"
PREMIX=$ROOT/target/release/premix
GEN=$ROOT/target/release/examples/generate
if [[ -z ${ONLY:-} ]]; then
if [[ ! -x $W/venv/bin/python ]]; then
  "$PY" -m venv "$W/venv" || die "python venv"
fi
"$W/venv/bin/pip" install -q abletoolz rpp </dev/null || die "pip install abletoolz rpp"
VPY=$W/venv/bin/python
mkdir -p "$W/rpp-parser-peer/src"
cp bench/peers/rpp-parser/Cargo.toml "$W/rpp-parser-peer/"
cp bench/peers/rpp-parser/src/main.rs "$W/rpp-parser-peer/src/"
(cd "$W/rpp-parser-peer" && cargo build --release --quiet </dev/null) || die "rpp-parser peer build"
RPPP=$W/rpp-parser-peer/target/release/rpp-parser-peer
LUA=${ARDOUR_LUA:-ardour7-lua}
if ! command -v "$LUA" >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ardour </dev/null >/dev/null || true
fi
command -v "$LUA" >/dev/null 2>&1 || die "$LUA not found (Debian's ardour package)"

fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs skew times)"
if [[ -z ${ONLY:-} ]]; then
echo "## inputs"
"$GEN" rpp "$RPP_SIZE" "$W/in/big.rpp"
"$GEN" als "$ALS_SIZE" "$W/in/big.als"
"$GEN" ardour "$ARDOUR_ROUTES" "$W/in/big.ardour"
RPP_BYTES=$(stat -c %s "$W/in/big.rpp")
ALS_BYTES=$(stat -c %s "$W/in/big.als")
ALS_XML=$(gzip -dc "$W/in/big.als" | wc -c)
echo "rpp $RPP_BYTES bytes; als $ALS_BYTES bytes gzip, $ALS_XML bytes of XML; ardour $ARDOUR_ROUTES routes"

fi
# --- measuring -------------------------------------------------------------------------------
# measure NAME RUNS SETUP CMD...: runs SETUP (a shell snippet, untimed) then CMD, RUNS times;
# records the median wall time (s) and the peak RSS (KiB, max over runs) in $T[NAME], $M[NAME].
declare -A T M RUNTIMES
measure() {
  local name=$1 runs=$2 setup=$3 i
  shift 3
  for ((i = 0; i < runs; i++)); do
    measure_once "$name" "$setup" "$@"
  done
  summarize "$name"
}
# measure_once NAME SETUP CMD...: one timed run of CMD after SETUP, added to NAME's times and
# peak (summarize NAME then gives the median). Commands measured in alternation, a run of each
# in turn, see the same load: their ratio is not skewed by the load changing between them.
measure_once() {
  local name=$1 setup=$2 t0 t1 rss
  shift 2
  eval "$setup"
  t0=$(date +%s%N)
  /usr/bin/time -f %M -o "$W/rss" "$@" >"$W/cmd.log" 2>&1 </dev/null ||
    { echo "FAILED: $name: $*"; tail -5 "$W/cmd.log"; exit 1; }
  t1=$(date +%s%N)
  RUNTIMES[$name]+="$(( (t1 - t0) / 1000 )) "
  rss=$(tail -n1 "$W/rss")
  ((rss > ${M[$name]:-0})) && M[$name]=$rss
  return 0
}
summarize() {
  local name=$1
  local runs
  runs=$(wc -w <<<"${RUNTIMES[$name]}")
  T[$name]=$(tr ' ' '\n' <<<"${RUNTIMES[$name]}" | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1e6}')
  printf '  %-40s median %8ss  peak %7.1f MB  (%d runs, load %s)\n' "$name" "${T[$name]}" "$(echo "${M[$name]}/1024" | bc -l)" "$runs" "$(cut -d' ' -f1 /proc/loadavg)"
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }
mb() { echo "scale=1; $1 / 1024" | bc -l; }

RESULTS=()
verdict() { # verdict LABEL HOLDS(0/1) DETAIL
  local s=FAIL
  [[ $2 == 1 ]] && s=HOLDS
  RESULTS+=("$(printf '%-6s %s: %s' "$s" "$1" "$3")")
}
le() { [[ $(echo "$1 <= $2" | bc -l) == 1 ]] && echo 1 || echo 0; }
ge() { [[ $(echo "$1 >= $2" | bc -l) == 1 ]] && echo 1 || echo 0; }

if [[ -z ${ONLY:-} ]]; then
# --- Live --------------------------------------------------------------------------------------
echo "## Ableton Live ($ALS_XML bytes of XML)"
measure "gzip -dc | gzip -6 (codec floor)" "$RUNS" ":" sh -c "gzip -dc '$W/in/big.als' | gzip -6 > /dev/null"
measure "premix apply (als)" "$RUNS" "rm -rf '$W/out/als'" "$PREMIX" apply "$W/in/big.als" --out "$W/out/als" --quiet --rules "$RECOLOUR"
measure "premix apply (als), default rules" "$RUNS" "rm -rf '$W/out/als'" "$PREMIX" apply "$W/in/big.als" --out "$W/out/als" --quiet
measure "abletoolz recolour + save" "$PEER_RUNS" "cp '$W/in/big.als' '$W/out/abletoolz.als'" "$VPY" bench/peers/abletoolz_recolour.py "$W/out/abletoolz.als"
r=$(ratio "${T[premix apply (als)]}" "${T[gzip -dc | gzip -6 (codec floor)]}")
verdict "Live vs codec floor" "$(le "$r" 1.5)" "premix ${T[premix apply (als)]}s = ${r}x gzip -dc|gzip -6 ${T[gzip -dc | gzip -6 (codec floor)]}s (target <= 1.5x)"
r=$(ratio "${T[abletoolz recolour + save]}" "${T[premix apply (als)]}")
verdict "Live vs abletoolz" "$(ge "$r" 15)" "${r}x faster than abletoolz ${T[abletoolz recolour + save]}s (target >= 15x)"
r=$(ratio "${M[premix apply (als)]}" "$((ALS_XML / 1024))")
verdict "Live memory" "$(le "$r" 2)" "peak $(mb "${M[premix apply (als)]}") MB = ${r}x the decompressed size (target <= 2x); abletoolz $(mb "${M[abletoolz recolour + save]}") MB"

# --- REAPER ----------------------------------------------------------------------------------
echo "## REAPER ($RPP_BYTES bytes)"
measure "premix apply (rpp)" "$RUNS" "rm -rf '$W/out/rpp'" "$PREMIX" apply "$W/in/big.rpp" --out "$W/out/rpp" --quiet --rules "$RECOLOUR"
measure "premix apply (rpp), default rules" "$RUNS" "rm -rf '$W/out/rpp'" "$PREMIX" apply "$W/in/big.rpp" --out "$W/out/rpp" --quiet
measure "rpp-parser parse+serialise+write" "$RUNS" ":" "$RPPP" "$W/in/big.rpp" "$W/out/rpp-parser.rpp"
measure "python rpp loads+dumps+write" "$PEER_RUNS" ":" "$VPY" bench/peers/rpp_recolour.py "$W/in/big.rpp" "$W/out/python-rpp.rpp"
r=$(ratio "${T[rpp-parser parse+serialise+write]}" "${T[premix apply (rpp)]}")
verdict "REAPER vs rpp-parser" "$(ge "$r" 5)" "${r}x faster than rpp-parser ${T[rpp-parser parse+serialise+write]}s (target >= 5x)"
r=$(ratio "${T[python rpp loads+dumps+write]}" "${T[premix apply (rpp)]}")
verdict "REAPER vs Python rpp" "$(ge "$r" 100)" "${r}x faster than Python rpp ${T[python rpp loads+dumps+write]}s (target >= 100x)"
r=$(ratio "${M[premix apply (rpp)]}" "$((RPP_BYTES / 1024))")
verdict "REAPER memory" "$(le "$r" 2)" "peak $(mb "${M[premix apply (rpp)]}") MB = ${r}x the file size (target <= 2x); rpp-parser $(mb "${M[rpp-parser parse+serialise+write]}") MB, Python rpp $(mb "${M[python rpp loads+dumps+write]}") MB"

# --- Ardour ----------------------------------------------------------------------------------
echo "## Ardour ($ARDOUR_ROUTES routes)"
SNAP=big
SDIR=$W/ardour-session/$SNAP
mkdir -p "$SDIR/interchange/$SNAP/audiofiles" "$SDIR/interchange/$SNAP/midifiles"
measure "premix apply (ardour)" "$RUNS" "rm -rf '$W/out/ardour'" "$PREMIX" apply "$W/in/big.ardour" --out "$W/out/ardour" --quiet --rules "$RECOLOUR"
measure "premix apply (ardour), default rules" "$RUNS" "rm -rf '$W/out/ardour'" "$PREMIX" apply "$W/in/big.ardour" --out "$W/out/ardour" --quiet
measure "ardour7-lua load (headless)" "$PEER_RUNS" "cp '$W/in/big.ardour' '$SDIR/$SNAP.ardour'; rm -f '$SDIR'/*.bak '$SDIR'/*.pending" \
  "$LUA" tests/interop/ardour/dump.lua "$SDIR" "$SNAP"
r=$(ratio "${T[ardour7-lua load (headless)]}" "${T[premix apply (ardour)]}")
verdict "Ardour vs Ardour's own load" "$(ge "$r" 1)" "premix ${T[premix apply (ardour)]}s, Ardour loads it in ${T[ardour7-lua load (headless)]}s (${r}x)"

fi
if [[ -z ${ONLY:-} || ${ONLY:-} == dawproject ]]; then
# --- DAWproject -----------------------------------------------------------------------------
# The peer is copying the file: premix must cost little more than moving the embedded media.
# Media deflated as Bitwig writes them, and stored; the copy is timed plain (cp) and durable
# (cp, then sync of the copy: premix syncs every file it writes).
echo "## DAWproject ($DAWPROJECT_TRACKS tracks, embedded media)"
"$GEN" dawproject "$DAWPROJECT_TRACKS" "$W/in/big.dawproject"
"$GEN" dawproject-stored "$DAWPROJECT_TRACKS" "$W/in/big-stored.dawproject"
echo "dawproject $(stat -c %s "$W/in/big.dawproject") bytes (media deflated), $(stat -c %s "$W/in/big-stored.dawproject") bytes (stored)"
# premix remembers a container it checked (every entry inflated, its CRC-32 checked) in its
# analysis cache, under the file's fingerprint, never for a file changed in the last two
# seconds: the inputs are dated an hour back, as a project saved earlier. The first run (the
# cache emptied before each) and the runs that find the check remembered are timed apart.
DPCACHE=$W/dawproject-cache
# The copies and premix's runs alternate (a run of each in turn, RUNS rounds), so that the
# ratios compare runs made under the same load: the machine's other tenants change it by
# tens of percent within minutes. Each run starts after an untimed sync, so that none waits
# for the write-back of the one before (a plain cp leaves its copy to it).
for v in big big-stored; do
  touch -d '-1 hour' "$W/in/$v.dawproject"
  for ((round = 0; round < RUNS; round++)); do
    measure_once "cp ($v)" "rm -f '$W/out/copy.dawproject'; sync" cp "$W/in/$v.dawproject" "$W/out/copy.dawproject"
    measure_once "cp + sync ($v)" "rm -f '$W/out/copy.dawproject'; sync" sh -c "cp '$W/in/$v.dawproject' '$W/out/copy.dawproject' && sync '$W/out/copy.dawproject'"
    measure_once "premix apply ($v), first run" "rm -rf '$W/out/dawproject' '$DPCACHE'; sync" env PREMIX_CACHE_DIR="$DPCACHE" "$PREMIX" apply "$W/in/$v.dawproject" --out "$W/out/dawproject" --quiet --rules "$RECOLOUR"
    measure_once "premix apply ($v)" "rm -rf '$W/out/dawproject'; sync" env PREMIX_CACHE_DIR="$DPCACHE" "$PREMIX" apply "$W/in/$v.dawproject" --out "$W/out/dawproject" --quiet --rules "$RECOLOUR"
  done
  for name in "cp ($v)" "cp + sync ($v)" "premix apply ($v), first run" "premix apply ($v)"; do
    summarize "$name"
  done
done
for v in big big-stored; do
  for run in "premix apply ($v), first run" "premix apply ($v)"; do
    r=$(ratio "${T[$run]}" "${T[cp + sync ($v)]}")
    r2=$(ratio "${T[$run]}" "${T[cp ($v)]}")
    verdict "DAWproject (${run#premix apply }) vs copying it" "$(le "$r" 1.5)" "premix ${T[$run]}s = ${r}x cp+sync ${T[cp + sync ($v)]}s, ${r2}x cp ${T[cp ($v)]}s (target <= 1.5x)"
  done
done
# For scale, not a target: the same project with clips of DAWPROJECT_LONG_MEDIA bytes (default
# 88200: 1 s mono, still ten times shorter than the clip of the one real Bitwig export in the
# corpus), deflated. Where the media outweigh project.xml, as in real sessions, the copy is
# most of the run.
if [[ ${DAWPROJECT_LONG:-1} == 1 ]]; then
  DAWPROJECT_MEDIA=${DAWPROJECT_LONG_MEDIA:-88200} "$GEN" dawproject "$DAWPROJECT_TRACKS" "$W/in/long.dawproject"
  touch -d '-1 hour' "$W/in/long.dawproject"
  echo "dawproject with longer clips: $(stat -c %s "$W/in/long.dawproject") bytes (media deflated)"
  for ((round = 0; round < RUNS; round++)); do
    measure_once "cp + sync (long)" "rm -f '$W/out/copy.dawproject'; sync" sh -c "cp '$W/in/long.dawproject' '$W/out/copy.dawproject' && sync '$W/out/copy.dawproject'"
    measure_once "premix apply (long), first run" "rm -rf '$W/out/dawproject' '$DPCACHE'; sync" env PREMIX_CACHE_DIR="$DPCACHE" "$PREMIX" apply "$W/in/long.dawproject" --out "$W/out/dawproject" --quiet --rules "$RECOLOUR"
    measure_once "premix apply (long)" "rm -rf '$W/out/dawproject'; sync" env PREMIX_CACHE_DIR="$DPCACHE" "$PREMIX" apply "$W/in/long.dawproject" --out "$W/out/dawproject" --quiet --rules "$RECOLOUR"
  done
  for name in "cp + sync (long)" "premix apply (long), first run" "premix apply (long)"; do
    summarize "$name"
  done
  for run in "premix apply (long), first run" "premix apply (long)"; do
    echo "for scale: ${run#premix apply } ${T[$run]}s = $(ratio "${T[$run]}" "${T[cp + sync (long)]}")x cp+sync ${T[cp + sync (long)]}s"
  done
  rm -f "$W/in/long.dawproject" "$W/out/copy.dawproject"
  rm -rf "$W/out/dawproject"
fi

fi
if [[ -z ${ONLY:-} || ${ONLY:-} == preflight ]]; then
# --- Preflight -------------------------------------------------------------------------------
# STEMS stems (default 40) of STEM_SECONDS (60) s, 24-bit, 48 kHz, stereo (sox: pink noise left,
# brown noise right, a different level each, so no two files are alike), one REAPER project
# playing them, all under target/bench/preflight (never committed). Compared with ffmpeg's
# EBU R128 meter with true peak (the same loudness and true peak) over the same files, every
# core busy (xargs -P nproc), and with cat-ing the files (reading them, for scale). The page
# cache is warm for every command (the files were just written and are read in every run).
STEMS=${STEMS:-40}
STEM_SECONDS=${STEM_SECONDS:-60}
if ! command -v sox >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q sox </dev/null >/dev/null || true
fi
if ! command -v ffmpeg >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ffmpeg </dev/null >/dev/null || true
fi
command -v sox >/dev/null 2>&1 || die "sox not found (Debian's sox package)"
command -v ffmpeg >/dev/null 2>&1 || die "ffmpeg not found (Debian's ffmpeg package)"
PF=$W/preflight
mkdir -p "$PF/Audio"
{
  echo '<REAPER_PROJECT 0.1 "7.0/linux64" 1'
  echo '  SAMPLERATE 48000 1 0'
  for ((i = 1; i <= STEMS; i++)); do
    f=$(printf 'stem-%02d.wav' "$i")
    if [[ ! -s $PF/Audio/$f ]]; then
      sox -n -r 48000 -b 24 -c 2 "$PF/Audio/$f" synth "$STEM_SECONDS" pinknoise brownnoise vol "0.$((10 + i))"
    fi
    printf '  <TRACK {%08d-0000-0000-0000-000000000000}\n    NAME "Stem %d"\n    <ITEM\n      POSITION 0\n      LENGTH %s\n      <SOURCE WAVE\n        FILE "Audio/%s"\n      >\n    >\n  >\n' "$i" "$i" "$STEM_SECONDS" "$f"
  done
  echo '>'
} >"$PF/song.rpp"
# Files changed in the last 2 s are hashed again on every run (see src/analysis/cache.rs).
sleep 2
STEM_BYTES=$(cat "$PF"/Audio/*.wav | wc -c)
echo "## Preflight ($STEMS stems, $STEM_BYTES bytes)"
cat "$PF"/Audio/*.wav >/dev/null
measure "cat the stems (for scale)" "$RUNS" ":" sh -c "cat '$PF'/Audio/*.wav > /dev/null"
measure "ffmpeg ebur128=peak=true, xargs -P $(nproc)" "$PEER_RUNS" ":" sh -c \
  "printf '%s\\0' '$PF'/Audio/*.wav | xargs -0 -n 1 -P $(nproc) sh -c 'ffmpeg -nostdin -hide_banner -nostats -i \"\$0\" -af ebur128=peak=true -f null - 2>/dev/null'"
measure "premix preflight, first run" "$RUNS" "rm -rf '$PF/cache'" env PREMIX_CACHE_DIR="$PF/cache" "$PREMIX" preflight "$PF/song.rpp" --quiet
measure "premix preflight, from the cache" "$RUNS" ":" env PREMIX_CACHE_DIR="$PF/cache" "$PREMIX" preflight "$PF/song.rpp" --quiet
FF="ffmpeg ebur128=peak=true, xargs -P $(nproc)"
r=$(ratio "${T[$FF]}" "${T[premix preflight, first run]}")
verdict "Preflight vs ffmpeg" "$(ge "$r" 3)" "${r}x faster than ffmpeg ${T[$FF]}s (premix ${T[premix preflight, first run]}s, cat ${T[cat the stems (for scale)]}s; target >= 3x)"
r=$(ratio "${T[premix preflight, first run]}" "${T[premix preflight, from the cache]}")
verdict "Preflight second run from the cache" "$(ge "$r" 50)" "${r}x faster than the first (${T[premix preflight, from the cache]}s; target >= 50x)"
verdict "Preflight memory" "$(le "${M[premix preflight, first run]}" $((200 * 1024)))" "peak $(mb "${M[premix preflight, first run]}") MB (target < 200 MB); ffmpeg $(mb "${M[$FF]}") MB per process"
fi

# --- rules infer -----------------------------------------------------------------------------
# Learning a studio's convention from every project of the shared corpus (issue #20): read them
# all, learn, measure the file on them, write it. It exits 2 as the corpus holds projects premix
# refuses (pre-1.0 DAWproject prototypes), so the run is judged on the file it writes.
if [[ -z ${ONLY:-} || ${ONLY:-} == infer ]]; then
if [[ -d $CORPUS ]]; then
  echo "## rules infer ($CORPUS)"
  LEARNED=$W/out/learned.yaml
  measure "premix rules infer corpus" "$RUNS" "rm -f '$LEARNED'" sh -c "'$PREMIX' rules infer '$CORPUS' -o '$LEARNED' 2>/dev/null; [ \$? -le 2 ] && [ -s '$LEARNED' ]"
  "$PREMIX" rules check "$LEARNED" >/dev/null || die "the learned file does not pass premix rules check"
  verdict "rules infer on the whole corpus" "$(le "${T[premix rules infer corpus]}" 1)" "${T[premix rules infer corpus]}s, peak $(mb "${M[premix rules infer corpus]}") MB (target < 1 s)"
else
  echo "## rules infer: corpus absent ($CORPUS), skipped"
fi
fi

if [[ -z ${ONLY:-} ]]; then
# --- Batch -----------------------------------------------------------------------------------
if [[ -d $CORPUS ]]; then
  echo "## Batch (premix check $CORPUS)"
  # check exits 1 when the rules want changes and 2 when a corpus project is refused; both are
  # normal on a corpus of real projects, so the exit status is ignored.
  measure "premix check corpus, 1 thread" "$RUNS" ":" env RAYON_NUM_THREADS=1 sh -c "'$PREMIX' check '$CORPUS' --quiet >/dev/null 2>&1 || true"
  measure "premix check corpus, 2 threads" "$RUNS" ":" env RAYON_NUM_THREADS=2 sh -c "'$PREMIX' check '$CORPUS' --quiet >/dev/null 2>&1 || true"
  r=$(ratio "${T[premix check corpus, 1 thread]}" "${T[premix check corpus, 2 threads]}")
  verdict "Batch 2 threads vs 1" "$(ge "$r" 1.7)" "${r}x (target >= 1.7x; nproc $(nproc))"
else
  echo "## Batch: corpus absent ($CORPUS), skipped"
fi
fi

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## targets"
printf '%s\n' "${RESULTS[@]}"
