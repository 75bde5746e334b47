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
ardour7-lua "$HERE/messy.lua" "$WORK/$NAME" "$NAME"
rm -rf "$HERE/$NAME"
mkdir -p "$HERE/$NAME"
# The session file is what premix reads; Ardour re-creates the empty folders it needs.
cp "$WORK/$NAME/$NAME.ardour" "$HERE/$NAME/"
