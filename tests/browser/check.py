#!/usr/bin/env python3
"""Checks what headless Chromium draws for `premix report` pages (see run.sh).

Pixels are read from Chromium's PNG screenshots with a small decoder (zlib + struct, stdlib
only). The page's layout contract (src/report/html.rs): track rows 22 px tall, each with a
12x18 px colour bar at its left edge (#c8c8c8 for a track without a colour), the "after" list
440 px to the right of the "before" list, row backgrounds #2b2b2b/#303030.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter

NO_COLOUR = (0xC8, 0xC8, 0xC8)
AFTER_OFFSET = 440
ROW_BACKGROUNDS = {(0x2B, 0x2B, 0x2B), (0x30, 0x30, 0x30)}
WIDTH, HEIGHT = 1000, 2200

passed = 0
failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}" + (f": {detail}" if detail else ""))
    return ok


def hex_rgb(text):
    if text is None:
        return NO_COLOUR
    text = text.lstrip("#")
    return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))


def show(rgb):
    return "#%02x%02x%02x" % rgb


def read_png(path):
    """(width, height, rows of (r, g, b) tuples) for 8-bit RGB/RGBA non-interlaced PNGs."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}")
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype = raw[i]
        line = bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def find_block(img, colour, x_max):
    """Top-left of the first 12x18 block of exactly `colour` (scanning down, then right)."""
    width, height, rows = img
    for y in range(height - 18):
        row = rows[y]
        for x in range(min(x_max, width - 12)):
            if row[x] == colour and all(row[x + dx] == colour for dx in range(12)):
                if all(rows[y + dy][x] == colour for dy in range(18)):
                    return x, y
    return None


def bars(img, x, y0):
    """Colours of the colour bars met going down column `x` from `y0`: runs of one colour
    17-19 px tall separated by short runs of row background; stops at anything else."""
    _, height, rows = img
    runs = []
    y = y0
    while y < height:
        colour = rows[y][x]
        start = y
        while y < height and rows[y][x] == colour:
            y += 1
        runs.append((colour, y - start))
    found = []
    for colour, length in runs:
        if 17 <= length <= 19 and colour not in ROW_BACKGROUNDS:
            found.append(colour)
        elif colour in ROW_BACKGROUNDS and length <= 6:
            continue
        else:
            break
    return found


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=120, **kw)


def chromium_args(chromium, profile):
    return [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--force-device-scale-factor=1",
        "--force-color-profile=srgb", "--hide-scrollbars",
    ]


def screenshot(chromium, work, html, png, size=(WIDTH, HEIGHT)):
    profile = tempfile.mkdtemp(dir=work, prefix="profile-")
    r = run(chromium_args(chromium, profile)
            + [f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", "file://" + html])
    return r.returncode == 0 and os.path.exists(png), r.stderr.decode(errors="replace")[-400:]


def expectations(premix, project):
    """(before colours in order, after colours as a multiset) from premix's JSON output."""
    inspect = json.loads(run([premix, "inspect", "--json", project]).stdout)
    before = [hex_rgb(t["color"]) for t in inspect["tracks"]]
    doc = json.loads(run([premix, "check", "--json", project]).stdout)
    p = doc["projects"][0]
    # premix's JSON (version 2) counts tracks and new buses from 1, like its inspect JSON.
    colour = {t["index"]: hex_rgb(t["color"]) for t in inspect["tracks"]}
    removed, used_buses = set(), set()
    for c in p["changes"]:
        if c["action"] == "recolor":
            colour[c["track"]] = hex_rgb(c["to"])
        elif c["action"] == "remove":
            removed.add(c["track"])
        elif c["action"] == "move_to_bus" and "new_bus" in c["bus"]:
            used_buses.add(c["bus"]["new_bus"])
    after = Counter(colour[i] for i in colour if i not in removed)
    for k in used_buses:
        after[hex_rgb(p["new_buses"][k - 1]["color"])] += 1
    return before, after


def check_project_pixels(img, name, before, after):
    """The first project on the page: its before and after colour bars."""
    start = find_block(img, before[0], WIDTH // 2)
    if not check(start is not None, f"{name}: first track's colour bar {show(before[0])} found"):
        return
    x, y = start
    check(x < 100 and y > 100, f"{name}: it sits at the left of the page, below the index", f"at {start}")
    seen = bars(img, x + 6, y)
    check(len(seen) == len(before), f"{name}: {len(before)} rows before", f"saw {len(seen)}")
    wrong = [(i, show(a), show(b)) for i, (a, b) in enumerate(zip(seen, before)) if a != b]
    check(not wrong and seen, f"{name}: every before bar has its track's colour, in order", f"row, seen, expected: {wrong[:5]}")
    seen_after = bars(img, x + AFTER_OFFSET + 6, y)
    total = sum(after.values())
    check(len(seen_after) == total, f"{name}: {total} rows after", f"saw {len(seen_after)}")
    check(Counter(seen_after) == after, f"{name}: the after bars have the planned colours",
          f"seen {sorted(map(show, Counter(seen_after).elements()))} expected {sorted(map(show, after.elements()))}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--premix", required=True)
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--samples", required=True)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="premix-browser-")
    try:
        # 1. One REAPER project: kick in (#c83c3c before) and every other bar.
        rpp = os.path.join(args.samples, "reaper/messy-session.rpp")
        html = os.path.join(work, "reaper.html")
        r = run([args.premix, "report", "--html", html, rpp])
        check(r.returncode == 1 and os.path.exists(html), "report of the REAPER sample written, exit 1", r.stderr.decode(errors="replace"))
        png = os.path.join(work, "reaper.png")
        ok, err = screenshot(args.chromium, work, html, png)
        if check(ok, "Chromium took a screenshot", err):
            img = read_png(png)
            before, after = expectations(args.premix, rpp)
            check(before[1] == (0xC8, 0x3C, 0x3C), "the sample's track 2 \"kick in\" is #c83c3c")
            check_project_pixels(img, "reaper", before, after)
            kick = find_block(img, (0xC8, 0x3C, 0x3C), WIDTH)
            first = find_block(img, before[0], WIDTH)
            check(kick is not None and first is not None and kick[1] - first[1] == 22 and kick[0] == first[0],
                  "kick in's bar is the second row of the before list", f"{kick} vs {first}")

        # 2. Every sample: the first project (in path order) is drawn the same way.
        html = os.path.join(work, "samples.html")
        r = run([args.premix, "report", "--html", html, args.samples])
        check(r.returncode == 1, "report of samples/ written, exit 1", r.stderr.decode(errors="replace"))
        page = open(html, encoding="utf-8").read()
        projects = page.count('<details class="p"')
        check(projects == 4, "four projects in the page (REAPER, Live, Ardour, DAWproject)", str(projects))
        first_path = page.split('<a href="#p0">', 1)[1].split("</a>", 1)[0]
        png = os.path.join(work, "samples.png")
        ok, err = screenshot(args.chromium, work, html, png)
        if check(ok, "Chromium took a screenshot of the samples report", err):
            before, after = expectations(args.premix, first_path)
            check_project_pixels(read_png(png), first_path, before, after)

        # 3. A track named <script>alert(1)</script> is text in the DOM the browser builds.
        evil_dir = os.path.join(work, "evil")
        os.mkdir(evil_dir)
        text = open(rpp, encoding="utf-8").read().replace('NAME "kick in"', 'NAME "<script>alert(1)</script>"', 1)
        evil = os.path.join(evil_dir, "evil.rpp")
        open(evil, "w", encoding="utf-8").write(text)
        html = os.path.join(work, "evil.html")
        run([args.premix, "report", "--html", html, evil])
        profile = tempfile.mkdtemp(dir=work, prefix="profile-")
        dom = run(chromium_args(args.chromium, profile) + ["--dump-dom", "file://" + html]).stdout.decode(errors="replace")
        check("&lt;script&gt;alert(1)&lt;/script&gt;" in dom, "the evil name is shown as text")
        check(dom.count("<script") == 1, "the page's own script is the only script element", str(dom.count("<script")))

        # 5. A name's run of spaces is drawn as the DAW shows it ("kick  in", two spaces):
        # innerText is the text as rendered, after CSS white-space collapsing, in the track
        # lists, the change list and the preflight table alike.
        spaced_dir = os.path.join(work, "spaced")
        os.mkdir(spaced_dir)
        text = open(rpp, encoding="utf-8").read().replace('NAME "kick in"', 'NAME "kick  in"', 1)
        spaced = os.path.join(spaced_dir, "spaced.rpp")
        open(spaced, "w", encoding="utf-8").write(text)
        html = os.path.join(work, "spaced.html")
        run([args.premix, "report", "--html", html, spaced])
        probe = (
            "<script>document.body.setAttribute('data-shown',JSON.stringify("
            "[...document.querySelectorAll('ol.tracks span,ol.ch li,table.pf td')]"
            ".filter(e=>e.textContent.includes('kick  in')).map(e=>e.innerText)));</script>"
        )
        page = open(html, encoding="utf-8").read().replace("</body>", probe + "</body>", 1)
        probed = os.path.join(work, "spaced-probe.html")
        open(probed, "w", encoding="utf-8").write(page)
        profile = tempfile.mkdtemp(dir=work, prefix="profile-")
        dom = run(chromium_args(args.chromium, profile) + ["--dump-dom", "file://" + probed]).stdout.decode(errors="replace")
        shown = dom.split('data-shown="', 1)[1].split('"', 1)[0] if 'data-shown="' in dom else "[]"
        shown = json.loads(shown.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
        check(len(shown) >= 3 and all("kick  in" in t for t in shown),
              "a name's two spaces are drawn in the track lists and the change list", str(shown))

        # 4. A batch of more than 10 projects starts collapsed; an index link opens its project.
        batch = os.path.join(work, "batch")
        os.mkdir(batch)
        for i in range(12):
            shutil.copy(rpp, os.path.join(batch, "song%02d.rpp" % i))
        html = os.path.join(work, "batch.html")
        run([args.premix, "report", "--html", html, batch])
        profile = tempfile.mkdtemp(dir=work, prefix="profile-")
        dom = run(chromium_args(args.chromium, profile) + ["--dump-dom", "file://" + html + "#p7"]).stdout.decode(errors="replace")
        opened = [i for i in range(12) if f'<details class="p" id="p{i}" open' in dom]
        check(opened == [7], "12 projects: all collapsed but the one the link #p7 points at", str(opened))
    finally:
        if os.environ.get("KEEP"):
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
