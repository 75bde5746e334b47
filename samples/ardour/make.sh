#!/usr/bin/env bash
# Re-creates samples/ardour/messy-session with real Ardour (Debian's ardour package):
# ardour7-new_session makes the session, messy.lua adds the messy tracks.
#   bash samples/ardour/make.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NAME=messy-session
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ardour7-new_session -s 48000 "$WORK/$NAME" "$NAME" >/dev/null
# ardour7-lua exits 0 even when the script fails: the script's last line says it got there.
ardour7-lua "$HERE/messy.lua" "$WORK/$NAME" "$NAME" | tee "$WORK/lua.log"
grep -q "MESSY SESSION SAVED" "$WORK/lua.log" || { echo "messy.lua failed" >&2; exit 1; }
rm -rf "$HERE/$NAME"
mkdir -p "$HERE/$NAME"
# The session file is what premix reads, plus the tiny media files its regions play (Ardour
# re-creates the other, empty folders it needs).
cp "$WORK/$NAME/$NAME.ardour" "$HERE/$NAME/"
for kind in audiofiles midifiles; do
  mkdir -p "$HERE/$NAME/interchange/$NAME/$kind"
  cp "$WORK/$NAME/interchange/$NAME/$kind"/* "$HERE/$NAME/interchange/$NAME/$kind/"
done
