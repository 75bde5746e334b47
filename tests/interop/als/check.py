"""Check one premix output Live set with abletoolz, an independent Live-set reader.

Given the input set, premix's output set and `premix inspect OUTPUT --json`, this proves:
1. abletoolz (PyPI) parses the output (gzip + XML) whenever it parses the input;
2. it sees as many tracks as premix reports, with unique track Ids;
3. every track name abletoolz reads (UserName, else EffectiveName) is premix's name; for a
   track never named, its number or letter aside: premix names it as Live shows it at its
   position, where the stored EffectiveName may keep a stale number (abletoolz-pruned sets);
4. groups: every TrackGroupId names a GroupTrack before the track, and it is the track
   premix reports as the parent (and -1 exactly where premix reports none);
5. Live 11+ colours: the palette colour of each track's Color index is premix's colour.
Exit 0 passed, 1 failed, 3 skipped (abletoolz cannot read the input either).
"""
import json
import logging
import pathlib
import re
import sys

from abletoolz.ableton_set import AbletonSet

logging.disable(logging.CRITICAL)

# abletoolz reads the file's birth time, which Linux's os.stat does not have (FORMATS.md:
# its command line crashes on Linux); the times play no part in parsing.
AbletonSet.get_file_times = lambda self: None

# Live's 70-colour palette, index 0-69 (FORMATS.md, pinned by premix's own tests).
PALETTE = """FF94A6 FFA428 CD9827 F6F57C BEFA00 21FF41 25FEA9 5DFFE9 8AC5FE 5480E4 93A6FF D86CE4
E552A1 FFFEFE FE3637 F66D02 99734A FEF134 87FF67 3DC201 01BEAF 18E9FE 10A4EE 007DC0 886CE4 B776C6
FE38D4 D1D0D1 E3665A FEA274 D2AD70 EDFFAE D3E499 BAD175 9AC58D D4FCE0 CCF0F8 B8C1E2 CDBBE4 AF98E4
E5DDE0 A9A8A8 C6938A B68257 98826A BEBB69 A6BE00 7CB04C 89C3BA 9BB3C4 84A5C3 8392CD A494B5 BF9FBE
BD7096 7B7A7A AF3232 A95131 734E41 DAC200 84971F 529E31 0A9C8E 236285 1A2F96 2E52A3 624BAD A24AAD
CD2E6F FFFEFE""".split()


def load(path):
    s = AbletonSet(pathlib.Path(path))
    try:
        if not s.parse():
            return None, "abletoolz cannot parse it"
        s.load_version()
        s.load_tracks()
    except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
        return None, f"abletoolz raised {type(exc).__name__}: {exc}"
    return s, None


def unnumbered(name):
    """A name Live made up without the number (`5-Group`) or return letter (`A-Reverb`) in front."""
    return re.sub(r"^(\d+|[A-Z]+)-", "", name or "", count=1)


def main(inp, out, inspect_json):
    before, why = load(inp)
    if before is None:
        print(f"SKIP input: {why}")
        return 3
    after, why = load(out)
    if after is None:
        print(f"FAIL output: {why}")
        return 1
    premix = json.load(open(inspect_json))["tracks"]
    problems = []
    tracks = after.tracks
    if len(tracks) != len(premix):
        problems.append(f"{len(tracks)} tracks, premix reports {len(premix)}")
    ids = [t.id for t in tracks]
    if len(set(ids)) != len(ids):
        problems.append("duplicate track Ids")
    index_of = {t.id: i for i, t in enumerate(tracks)}
    for i, (t, p) in enumerate(zip(tracks, premix)):
        renumbered = p["name"] == p["display_name"] and unnumbered(t.name) == unnumbered(p["name"])
        if t.name and t.name != p["name"] and not renumbered:
            problems.append(f"track {i}: abletoolz reads {t.name!r}, premix {p['name']!r}")
        group = t.group_id
        if group in (None, "-1"):
            if p["parent"] is not None:
                problems.append(f"track {i}: no TrackGroupId, premix says parent {p['parent']}")
        else:
            g = index_of.get(group)
            if g is None or g >= i or tracks[g].type != "GroupTrack":
                problems.append(f"track {i}: TrackGroupId {group} names no earlier GroupTrack")
            # premix's JSON counts tracks from 1 (version 2).
            elif g + 1 != p["parent"]:
                problems.append(f"track {i}: group is track {g + 1}, premix says {p['parent']}")
        if t.color_element == "Color" and p["color"] is not None:
            value = t.color
            if 0 <= value < len(PALETTE) and f"#{PALETTE[value].lower()}" != p["color"]:
                problems.append(f"track {i}: Color {value} is #{PALETTE[value]}, premix says {p['color']}")
    for p in problems[:8]:
        print(f"  {p}")
    if problems:
        print(f"FAIL {len(problems)} problem(s)")
        return 1
    groups = sum(1 for t in tracks if t.type == "GroupTrack")
    print(f"ok: {len(tracks)} tracks ({groups} groups) read by abletoolz as premix reports them")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
