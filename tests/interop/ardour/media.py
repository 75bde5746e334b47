"""Media of `premix apply --out` outputs, as real Ardour loads them (run.sh's `media` cases).

  media.py stage INPUT DIR
      Makes DIR/SNAP/SNAP.ardour, a session folder holding a copy of INPUT with its media in
      interchange/SNAP/audiofiles: the real files when INPUT has an interchange folder next to
      it (the sample), else a 10 ms silent WAV for every audio Source named by a bare file
      name (as many channels as the Source elements name; the corpus comes without media).
      Prints the staged session file.
  media.py check IN_SOURCES OUT_SOURCES MODE IN_DIR OUT_DIR
      IN_SOURCES and OUT_SOURCES are sources.lua's records for the staged input and premix's
      output. Passes (exit 0) when every (track's region, channel) whose file Ardour found in
      the input, Ardour also finds in the output: at the same file (MODE reach: the file under
      IN_DIR) or at its copy under OUT_DIR (MODE copy); and the output has no other region.
      The first line is "ok: ..." or "FAIL ...".
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import sys
import wave


def stage(input_path: str, dir_: str) -> None:
    snap = os.path.splitext(os.path.basename(input_path))[0]
    session = os.path.join(dir_, snap)
    audio = os.path.join(session, "interchange", snap, "audiofiles")
    os.makedirs(audio, exist_ok=True)
    os.makedirs(os.path.join(session, "interchange", snap, "midifiles"), exist_ok=True)
    out = os.path.join(session, snap + ".ardour")
    shutil.copyfile(input_path, out)
    os.chmod(out, 0o644)
    with open(out, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # A template has no sample rate, without which Ardour refuses to load a session.
    if not re.search(r"<Session [^>]*sample-rate=", text):
        text = text.replace("<Session ", '<Session sample-rate="48000" ', 1)
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    here = os.path.join(os.path.dirname(os.path.abspath(input_path)), "interchange")
    if os.path.isdir(here):
        shutil.copytree(here, os.path.join(session, "interchange"), dirs_exist_ok=True)
    else:
        channels: dict[str, int] = {}
        for m in re.finditer(r"<Source\b[^>]*>", text):
            tag = m.group(0)
            name = re.search(r'\bname="([^"]*)"', tag)
            kind = re.search(r'\btype="([^"]*)"', tag)
            chan = re.search(r'\bchannel="(\d+)"', tag)
            if not name or (kind and kind.group(1) != "audio"):
                continue
            n = name.group(1)
            if "/" in n or not n.lower().endswith((".wav", ".w64", ".caf", ".aif", ".aiff")):
                continue
            channels[n] = max(channels.get(n, 1), int(chan.group(1)) + 1 if chan else 1)
        for n, c in channels.items():
            with wave.open(os.path.join(audio, unescape(n)), "wb") as w:
                w.setnchannels(c)
                w.setsampwidth(2)
                w.setframerate(48000)
                w.writeframes(struct.pack("<h", 0) * 480 * c)
    print(out)


def unescape(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def records(path: str) -> dict:
    """(region, channel) -> path, from sources.lua's output; regions by name, in order."""
    out, seen = {}, {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] != "SOURCE" or len(parts) != 5:
                continue
            _, _, region, channel, file = parts
            key = (region, channel)
            seen[key] = seen.get(key, 0) + 1
            out[key + (seen[key],)] = file
    return out


def found(file: str) -> str | None:
    return os.path.realpath(file) if os.path.isabs(file) and os.path.isfile(file) else None


def check(in_sources: str, out_sources: str, mode: str, in_dir: str, out_dir: str) -> int:
    before, after = records(in_sources), records(out_sources)
    in_dir, out_dir = os.path.realpath(in_dir), os.path.realpath(out_dir)
    fails = []
    if set(before) != set(after):
        fails.append(f"regions differ: {sorted(set(before) ^ set(after))[:3]}")
    reached = 0
    for key, file in sorted(before.items()):
        was = found(file)
        if was is None:
            continue
        want = was
        if mode == "copy" and os.path.commonpath([was, in_dir]) == in_dir:
            want = os.path.join(out_dir, os.path.relpath(was, in_dir))
        now = found(after.get(key, ""))
        if now != want:
            fails.append(f"region {key[0]!r} channel {key[1]}: Ardour loads {after.get(key)!r}, not {want}")
        else:
            reached += 1
    if fails:
        print(f"FAIL {fails[0]}" + (f" (+{len(fails) - 1} more)" if len(fails) > 1 else ""))
        return 1
    print(f"ok: {reached} region channels play the files the input's played ({mode})")
    return 0


def main(argv: list) -> int:
    if len(argv) == 3 and argv[0] == "stage":
        stage(argv[1], argv[2])
        return 0
    if len(argv) == 6 and argv[0] == "check":
        return check(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
