#!/usr/bin/env bash
# Browser test of `premix report`: render reports made from samples/ in headless Chromium
# (Debian's `chromium` package, installed here if missing), take screenshots and check what
# they show: the colour bar of every track, before and after, read from the PNG's pixels, the
# number of rows, that a track named `<script>...` stays text in the browser's DOM, and that a
# name's run of spaces is drawn as it is (the rendered innerText of each place it shows).
#
#   bash tests/browser/run.sh
#
# Environment: PREMIX_BIN (use this premix instead of building target/debug/premix),
# CHROMIUM (default: chromium), KEEP=1 (keep the work folder and print where it is).
# Prints one line per check, then "N passed, M failed"; exit 0 all passed, 1 a check failed,
# 2 the test could not be set up.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

CHROMIUM=${CHROMIUM:-chromium}
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "error: $CHROMIUM is not installed and installing it needs root (apt-get install -y chromium)" >&2
        exit 2
    fi
    echo "installing chromium (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y chromium >/dev/null 2>&1 || {
        apt-get update >/dev/null && apt-get install -y chromium >/dev/null
    } || {
        echo "error: apt-get install chromium failed" >&2
        exit 2
    }
fi

if [ -n "${PREMIX_BIN:-}" ]; then
    PREMIX=$PREMIX_BIN
else
    cargo build --quiet --bin premix || exit 2
    PREMIX=$ROOT/target/debug/premix
fi

exec "${PYTHON:-python3}" "$HERE/check.py" --premix "$PREMIX" --chromium "$CHROMIUM" --samples "$ROOT/samples"
