"""Check one premix output against two independent REAPER project parsers.

Usage: check.py INPUT.rpp OUTPUT.rpp INSPECT.json [--allow-removal]

INPUT is the project premix read, OUTPUT the project it wrote, and INSPECT.json what
`premix inspect OUTPUT --json` printed. The check passes (exit 0) when:

1. OUTPUT parses with `rppxml` (REAPER's own WDL line reader; lenient) into exactly one
   REAPER_PROJECT chunk, and with `rpp` (Perlence; strict) whenever `rpp` accepts INPUT.
2. Each parser sees as many top-level TRACK chunks as premix reports tracks.
3. Each track's NAME, as each parser reads it, equals premix's `name`, in order, and is one
   token (a name with spaces that premix forgot to quote fails even if premix misreads it too).
4. The folder tree each parser implies through `ISBUS <flag> <delta>` (a running depth sum)
   gives the same `parent` for every track as premix reports.
5. Every `AUXRECV <srcIndex> ...` receive still points at the same source track, matched by
   GUID between INPUT and OUTPUT, whatever premix did to the track order.
6. Every track of INPUT (by GUID) is still in OUTPUT, exactly once (unless --allow-removal),
   and no track premix created reuses an existing GUID.
7. Media: every file a `FILE` line of a `<SOURCE` chunk (at any depth: every take, sections)
   reaches from INPUT's folder, the same line, as each parser reads it, reaches from OUTPUT's
   folder (with --copied-from IN --copied-to OUT: a file under IN is reached at the same place
   under OUT), and OUTPUT has no more unreached FILE lines than INPUT. A FILE line is looked
   for as REAPER looks first: the path as written (relative ones from the project's folder),
   then the file's name in the project's folder.
8. The mixer each parser reads equals premix's (gain staging, issue #18): a track's fader and
   pan from its `VOLPAN` line (0 dB, centre without one), each audio item's volume from its
   own `VOLPAN` (1 without one), and a track routed direct (`MAINSEND 0` and a `HWOUT`) where
   premix says `direct_out`; tracks whose fader or pan an envelope drives are skipped.

So it proves that what premix writes is read by other REAPER parsers as the session premix
says it wrote, with routing intact. It does not judge whether the rules were applied well.

Exit status: 0 all checks passed, 1 a check failed, 2 bad usage. The first output line is a
summary ("ok: ..." or "failed: ..."); then one line per finding, "FAIL <parsers>: ..." or
"note <parsers>: ...", where <parsers> names the parser(s) that saw it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field

import rpp  # Perlence/rpp, strict PLY grammar: rpp.loads(str) -> rpp.Element
import rppxml  # WDL ProjectStateContext reader: rppxml.load(path) -> RPPXML | list

GUID_RE = re.compile(r"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$")


# --------------------------------------------------------------------------------------------
# One track as a parser read it, reduced to the lines these checks need.


@dataclass
class Track:
    name: object  # the NAME token; rppxml gives int/float for unquoted numbers
    guid: str | None  # from the `<TRACK {GUID}` header, else from TRACKID; upper case
    isbus: list  # tokens after ISBUS (empty if the line is missing)
    auxrecv: list  # the srcIndex token of every AUXRECV line, in order
    problems: list = field(default_factory=list)  # things wrong inside the chunk itself
    volpan: list = field(default_factory=list)  # tokens after the track's VOLPAN
    mainsend: list = field(default_factory=list)  # tokens after MAINSEND
    hwouts: int = 0  # HWOUT lines
    items: list = field(default_factory=list)  # per ITEM with a SOURCE: its volume, or None
    automated: bool = False  # an active VOLENV2/PANENV2 with points


def norm_guid(token) -> str | None:
    if not isinstance(token, str):
        return None
    token = token.strip().strip("'\"`")
    return token.upper() if GUID_RE.match(token) else None


def track_from_lines(header: list, lines: list, name_block: list | None = None) -> Track:
    """Build a Track from the chunk header tokens and its direct (non-chunk) lines.

    `lines` holds one token list per line; nested chunks (ITEM, FXCHAIN, ...) are left out,
    so an item's NAME is never mistaken for the track's.
    """
    keys = Counter(line[0] for line in lines if line)
    problems = [f"{n} {key} lines" for key, n in keys.items()
                if key in ("NAME", "ISBUS", "TRACKID") and n > 1]

    def first(key):
        return next((line for line in lines if line and line[0] == key), None)

    name_line = first("NAME")
    name = name_line[1] if name_line and len(name_line) > 1 else ""
    if name_block is not None:
        # A name holding all three quote characters: REAPER writes a lossy NAME line, then a
        # `<NAME` chunk of `|` lines holding the real name (WDL's block encoding).
        name = "\n".join(name_block)
    if name_line and len(name_line) > 2:
        # REAPER writes one token; more means a name with spaces was left unquoted, and a
        # reader that shares premix's idea of the line could not tell.
        problems.append(f"NAME line has {len(name_line) - 1} tokens (unquoted spaces?)")
    isbus_line = first("ISBUS")
    isbus = list(isbus_line[1:]) if isbus_line else []

    header_guid = norm_guid(header[0]) if header else None
    trackid_line = first("TRACKID")
    trackid = norm_guid(trackid_line[1]) if trackid_line and len(trackid_line) > 1 else None
    if header_guid and trackid and header_guid != trackid:
        problems.append(f"header GUID {header_guid} differs from TRACKID {trackid}")

    auxrecv = [line[1] if len(line) > 1 else None for line in lines if line and line[0] == "AUXRECV"]
    volpan_line = first("VOLPAN")
    mainsend_line = first("MAINSEND")
    hwouts = sum(1 for line in lines if line and line[0] == "HWOUT")
    return Track(name, header_guid or trackid, isbus, auxrecv, problems,
                 list(volpan_line[1:]) if volpan_line else [],
                 list(mainsend_line[1:]) if mainsend_line else [], hwouts)


def item_volume(lines: list):
    """What an item plays at: its volume times its active take's (the first and third fields
    of its `VOLPAN` line; a later take's in `TAKEVOLPAN <pan> <vol> <law>`; `TAKE SEL` marks
    the active one, else the first plays), 1 without them."""
    item, takes = 1.0, [[1.0, False]]
    for line in lines:
        if not line:
            continue
        if line[0] == "VOLPAN" and len(takes) == 1:
            item = float(line[1]) if len(line) > 1 else 1.0
            takes[0][0] = float(line[3]) if len(line) > 3 else 1.0
        elif line[0] == "TAKE":
            takes.append([1.0, len(line) > 1 and str(line[1]) == "SEL"])
        elif line[0] == "TAKEVOLPAN" and len(line) > 2:
            takes[-1][0] = float(line[2])
    active = next((t for t in takes if t[1]), takes[0])
    return item * active[0]


def envelope_active(lines: list) -> bool:
    act = next((line for line in lines if line and line[0] == "ACT"), None)
    return bool(act and len(act) > 1 and float(act[1]) != 0 and
                any(line and line[0] == "PT" for line in lines))


# --------------------------------------------------------------------------------------------
# The two parsers. Each returns (tracks, None) or (None, why it failed).


def parse_rppxml(path: str):
    """rppxml: WDL reads lines (leading whitespace trimmed, lines cut at 4095 bytes); rppxml
    splits them into tokens, understanding "..", '..' and `..` quotes, and turns unquoted
    numbers into int/float. It never raises on bad structure: an unclosed chunk is dropped
    and a stray '>' ends a chunk early, so the result is a list instead of one root."""
    try:
        root = rppxml.load(path)
    except Exception as exc:  # noqa: BLE001 - any failure to load is the finding
        return None, f"rppxml.load raised {type(exc).__name__}: {exc}"
    if isinstance(root, list):
        return None, f"rppxml found {len(root)} top-level chunks/lines, not one REAPER_PROJECT (unbalanced '<'/'>')"
    if root.name != "REAPER_PROJECT":
        return None, f"rppxml root chunk is {root.name!r}, not REAPER_PROJECT"
    tracks = []
    for child in root.children:
        if isinstance(child, rppxml.RPPXML) and child.name == "TRACK":
            lines = [list(c) for c in child.children if isinstance(c, list)]
            block = next((["".join(map(str, line)) for line in c.children]
                          for c in child.children
                          if isinstance(c, rppxml.RPPXML) and c.name == "NAME"), None)
            track = track_from_lines(list(child.params), lines, block)
            for c in child.children:
                if not isinstance(c, rppxml.RPPXML):
                    continue
                sub = [list(x) for x in c.children if isinstance(x, list)]
                if c.name == "ITEM" and any(isinstance(x, rppxml.RPPXML) and x.name == "SOURCE"
                                            for x in c.children):
                    track.items.append(item_volume(sub))
                elif c.name in ("VOLENV2", "PANENV2") and envelope_active(sub):
                    track.automated = True
            tracks.append(track)
    return tracks, None


def read_text(path: str) -> str:
    with open(path, "rb") as f:
        data = f.read()
    # premix reports names decoded lossily as UTF-8; decode the same way.
    return data.decode("utf-8", errors="replace")


def parse_rpp(path: str):
    """rpp: a PLY grammar over whole lines: every line is `KEY tokens...`, `<TAG tokens...` or
    `>`; blank lines, an unterminated quote, a missing or extra '>' are syntax errors. A
    line of one token comes back as a bare string, longer lines as lists of strings."""
    try:
        root = rpp.loads(read_text(path))
    except Exception as exc:  # noqa: BLE001
        return None, f"rpp.loads raised {type(exc).__name__}: {exc}"
    if root.tag != "REAPER_PROJECT":
        return None, f"rpp root chunk is {root.tag!r}, not REAPER_PROJECT"
    tracks = []
    for child in root.children:
        if isinstance(child, rpp.Element) and child.tag == "TRACK":
            lines = [c if isinstance(c, list) else [c] for c in child.children
                     if not isinstance(c, rpp.Element)]
            block = next(([str(line).lstrip("|") for line in c.children]
                          for c in child.children
                          if isinstance(c, rpp.Element) and c.tag == "NAME"), None)
            track = track_from_lines(list(child.attrib), lines, block)
            for c in child.children:
                if not isinstance(c, rpp.Element):
                    continue
                sub = [x if isinstance(x, list) else [x] for x in c.children
                       if not isinstance(x, rpp.Element)]
                if c.tag == "ITEM" and any(isinstance(x, rpp.Element) and x.tag == "SOURCE"
                                           for x in c.children):
                    track.items.append(item_volume(sub))
                elif c.tag in ("VOLENV2", "PANENV2") and envelope_active(sub):
                    track.automated = True
            tracks.append(track)
    return tracks, None


def rppxml_files(path: str) -> list | None:
    """Every FILE value of a SOURCE chunk, in document order, as rppxml reads it."""
    try:
        root = rppxml.load(path)
    except Exception:  # noqa: BLE001 - check 1 reports it
        return None
    out = []

    def walk(chunk, in_source):
        for c in chunk.children:
            if isinstance(c, rppxml.RPPXML):
                walk(c, c.name == "SOURCE")
            elif in_source and isinstance(c, list) and len(c) > 1 and c[0] == "FILE":
                out.append(str(c[1]))

    for r in root if isinstance(root, list) else [root]:
        if isinstance(r, rppxml.RPPXML):
            walk(r, r.name == "SOURCE")
    return out


def rpp_files(path: str) -> list | None:
    """Every FILE value of a SOURCE chunk, in document order, as rpp reads it."""
    try:
        root = rpp.loads(read_text(path))
    except Exception:  # noqa: BLE001
        return None
    out = []

    def walk(chunk, in_source):
        for c in chunk.children:
            if isinstance(c, rpp.Element):
                walk(c, c.tag == "SOURCE")
            elif in_source and isinstance(c, list) and len(c) > 1 and c[0] == "FILE":
                out.append(str(c[1]))

    walk(root, root.tag == "SOURCE")
    return out


def reached_file(project: str, written: str) -> str | None:
    """Where REAPER first finds the FILE `written` of `project` (canonical), or None."""
    base = os.path.dirname(os.path.abspath(project))
    name = re.split(r"[\\/]", written)[-1]
    for candidate in (os.path.join(base, written), os.path.join(base, name)):
        if os.path.isfile(candidate):
            return os.path.realpath(candidate)
    return None


def check_media(label: str, read, args, fail) -> str | None:
    """Check 7 with one parser; returns a summary of what was reached, or None."""
    before, after = read(args.input), read(args.output)
    if before is None or after is None:
        return None
    found_in = {reached_file(args.input, f) for f in before} - {None}
    lost_in = sum(1 for f in before if reached_file(args.input, f) is None)
    found_out = {reached_file(args.output, f) for f in after} - {None}
    lost_out = sum(1 for f in after if reached_file(args.output, f) is None)
    want = set()
    for f in found_in:
        if args.copied_from:
            root = os.path.realpath(args.copied_from)
            if os.path.commonpath([f, root]) == root:
                f = os.path.join(os.path.realpath(args.copied_to), os.path.relpath(f, root))
        want.add(f)
    for f in sorted(want - found_out):
        fail(label, f"media: the output does not reach {f}, which the input reaches")
    for f in sorted(found_out - want):
        fail(label, f"media: the output reaches {f}, which it should not")
    if lost_out > lost_in:
        fail(label, f"media: {lost_out} FILE lines reach nothing from the output, {lost_in} from the input")
    return f"{len(found_out)} media file(s) reached"


# --------------------------------------------------------------------------------------------
# Interpretation shared by the checks.


def as_int(token):
    try:
        return int(str(token))
    except ValueError:
        try:
            value = float(str(token))
        except ValueError:
            return None
        return int(value) if value.is_integer() else None


def folder_delta(isbus: list) -> int:
    """Depth change after a track, from the tokens after ISBUS.

    `ISBUS <flag> <delta>` (REAPER 3+): delta as written. Missing line: 0. Single argument
    (REAPER 2-era files, e.g. ReaperDoc2 samples): `ISBUS 0` is 0, and the legacy flags
    `ISBUS 1` (folder) and `ISBUS 2` (last track of a folder) mean +1 and -1, which is how
    those files are laid out (`drums` ISBUS 1, ..., `inslide` ISBUS 2).
    """
    if not isbus:
        return 0
    if len(isbus) == 1:
        return {1: 1, 2: -1}.get(as_int(isbus[0]), 0)
    return as_int(isbus[1]) or 0


def parents_from_isbus(tracks: list) -> list:
    """Parent index of every track from the running sum of folder deltas."""
    open_folders: list[int] = []  # innermost last; len() is the depth
    parents = []
    for i, track in enumerate(tracks):
        parents.append(open_folders[-1] if open_folders else None)
        delta = folder_delta(track.isbus)
        if delta > 0:
            open_folders.extend([i] * delta)
        elif delta < 0:
            del open_folders[max(0, len(open_folders) + delta):]
    return parents


def name_matches(token, expected: str) -> bool:
    """Compare a parser's NAME token with premix's name.

    rpp keeps every token as text. rppxml turns an unquoted `5.50` into 5.5 and `01` into 1,
    so a number is compared by value with premix's name read as a number (the strict rpp
    parser still compares the exact text)."""
    if isinstance(token, str):
        return token == expected
    try:
        value = float(expected)
    except ValueError:
        return False
    if isinstance(token, float) and math.isnan(token):
        return math.isnan(value)
    return float(token) == value


def keyed(tracks: list) -> list:
    """(GUID, n-th occurrence) for every track, None where there is no GUID.

    Real files repeat GUIDs (jonch070__Song_with_Sends.RPP has two tracks with one TRACKID),
    so the n-th track carrying a GUID in the input is matched to the n-th in the output."""
    seen: Counter = Counter()
    keys = []
    for track in tracks:
        if track.guid is None:
            keys.append(None)
        else:
            keys.append((track.guid, seen[track.guid]))
            seen[track.guid] += 1
    return keys


def show_key(key) -> str:
    return key[0] if key[1] == 0 else f"{key[0]}#{key[1] + 1}"


# --------------------------------------------------------------------------------------------
# The checks, run once per parser.


def check_against_premix(label: str, tracks: list, premix: list, fail) -> None:
    """Checks 2-4: track count, names and parents against premix's JSON."""
    if len(tracks) != len(premix):
        fail(label, f"{len(tracks)} TRACK chunks, premix reports {len(premix)} tracks")
    for i, (track, info) in enumerate(zip(tracks, premix)):
        if not name_matches(track.name, info.get("name")):
            fail(label, f"track {i} NAME reads {track.name!r}, premix says {info.get('name')!r}")
    for i, (parent, info) in enumerate(zip(parents_from_isbus(tracks), premix)):
        # premix's JSON counts tracks from 1 (version 2); the ISBUS walk counts from 0.
        if (None if parent is None else parent + 1) != info.get("parent"):
            fail(label, f"track {i} ({info.get('name')!r}) parent from ISBUS is {parent}, "
                 f"premix says {info.get('parent')}")


def check_mixer(label: str, tracks: list, premix: list, fail) -> None:
    """Check 7: faders, pans, item volumes and direct routing against premix's JSON."""
    close = lambda a, b: a is not None and b is not None and abs(float(a) - float(b)) <= 1e-6  # noqa: E731
    for i, (track, info) in enumerate(zip(tracks, premix)):
        who = f"track {i} ({info.get('name')!r})"
        if track.automated:
            continue
        fader, pan = (track.volpan[:2] if len(track.volpan) >= 2 else (1.0, 0.0))
        if info.get("fader") is not None and not close(fader, info["fader"]):
            fail(label, f"{who} VOLPAN volume reads {fader}, premix says {info['fader']}")
        if info.get("pan") is not None and not close(pan, info["pan"]):
            fail(label, f"{who} VOLPAN pan reads {pan}, premix says {info['pan']}")
        gains = [item.get("gain") for item in info.get("items", [])]
        if len(gains) == len(track.items):
            for n, (volume, gain) in enumerate(zip(track.items, gains)):
                if gain is not None and not close(volume, gain):
                    fail(label, f"{who} item {n} VOLPAN volume reads {volume}, premix says {gain}")
        direct = bool(track.mainsend) and as_int(track.mainsend[0]) == 0 and track.hwouts > 0
        if info.get("direct_out") and not direct:
            fail(label, f"{who}: premix says direct_out, MAINSEND {track.mainsend}, {track.hwouts} HWOUT")


def check_identity_and_routing(label: str, before: list, after: list, allow_removal: bool,
                               fail, note) -> dict:
    """Checks 5-6: tracks kept (by GUID) and every receive still fed by the same source."""
    keys_in, keys_out = keyed(before), keyed(after)
    where_out = {key: i for i, key in enumerate(keys_out) if key is not None}
    known_in = set(k for k in keys_in if k is not None)
    stats = {"created": sum(1 for k in keys_out if k not in known_in), "receives": 0}

    if any(k is None for k in keys_in):
        note(label, f"{keys_in.count(None)} input track(s) without GUID: not matched")

    removed = set()
    for key in keys_in:
        if key is not None and key not in where_out:
            removed.add(key)
            if not allow_removal:
                fail(label, f"input track {show_key(key)} is missing from the output")
    for key in keys_out:
        if key is not None and key not in known_in and key[1] > 0:
            fail(label, f"output repeats GUID {key[0]} on a track that is not in the input")

    def source(tracks, keys, token, owner):
        index = as_int(token)
        if index is None or not 0 <= index < len(tracks) or index == owner:
            return "bad", index
        return keys[index], index

    # Every receive in the output must name a real, other track (unless it already did not
    # in the input: premix is not asked to repair broken routing).
    match_in = {j: keys_in.index(key) for key, j in where_out.items() if key in known_in}
    for j, track in enumerate(after):
        i = match_in.get(j)
        for n, token in enumerate(track.auxrecv):
            was_bad = i is not None and n < len(before[i].auxrecv) and \
                source(before, keys_in, before[i].auxrecv[n], i)[0] == "bad"
            if source(after, keys_out, token, j)[0] == "bad" and not was_bad:
                fail(label, f"output track {j} has AUXRECV from {str(token)!r}, not another track "
                     f"(0..{len(after) - 1})")

    for i, key in enumerate(keys_in):
        if key is None or key not in where_out:
            continue
        j = where_out[key]
        expected = [source(before, keys_in, t, i)[0] for t in before[i].auxrecv]
        if allow_removal:
            expected = [s for s in expected if s not in removed]
        got = [source(after, keys_out, t, j)[0] for t in after[j].auxrecv]
        if len(got) != len(expected):
            fail(label, f"track {show_key(key)} has {len(expected)} receive(s) in the input, "
                 f"{len(got)} in the output")
            continue
        for n, (want, have) in enumerate(zip(expected, got)):
            if want == "bad" or want is None:
                continue  # the input's own source is broken or has no GUID: nothing to compare
            stats["receives"] += 1
            if have != want:
                have_text = "a broken index" if have == "bad" else (
                    "a track without GUID" if have is None else show_key(have))
                fail(label, f"output track {j} ({show_key(key)}) receive #{n + 1} comes from "
                     f"{have_text}, was {show_key(want)} in the input")
    return stats


# --------------------------------------------------------------------------------------------


def main(argv: list) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("inspect_json", help="`premix inspect OUTPUT --json`, or - for stdin")
    ap.add_argument("--allow-removal", action="store_true",
                    help="input tracks may be missing from the output (rules that remove tracks)")
    ap.add_argument("--copied-from", help="with --copy-media: the folder premix was given")
    ap.add_argument("--copied-to", help="with --copy-media: the output folder")
    args = ap.parse_args(argv)

    # message -> parsers that reported it, so one finding seen by both is printed once.
    failures: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}

    def fail(label: str, msg: str) -> None:
        failures.setdefault(msg, []).append(label)

    def note(label: str, msg: str) -> None:
        notes.setdefault(msg, []).append(label)

    try:
        if args.inspect_json == "-":
            doc = json.load(sys.stdin)
        else:
            with open(args.inspect_json, encoding="utf-8") as f:
                doc = json.load(f)
        premix = doc["tracks"]
        if not isinstance(premix, list):
            raise ValueError("'tracks' is not a list")
        for i, info in enumerate(premix):
            if not (isinstance(info, dict) and isinstance(info.get("name"), str)):
                raise ValueError(f"tracks[{i}] has no string 'name'")
            if info.get("index") != i + 1:
                fail("premix JSON", f"tracks[{i}] has index {info.get('index')}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print("failed: premix inspect JSON unusable")
        print(f"FAIL premix JSON: unusable: {type(exc).__name__}: {exc}")
        return 1
    if doc.get("format") != "rpp":
        fail("premix JSON", f"format is {doc.get('format')!r}, not 'rpp'")

    # Check 1: which parsers read what.
    parsed = {}
    for label, parse in (("rppxml", parse_rppxml), ("rpp", parse_rpp)):
        before, err_in = parse(args.input)
        after, err_out = parse(args.output)
        if err_out:
            if err_in and label == "rpp":
                note(label, f"input rejected by rpp, skipped strict check ({err_in})")
                continue
            fail(label, f"output does not parse: {err_out}")
            continue
        if err_in:
            note(label, f"input does not parse ({err_in}); output does")
        parsed[label] = (before, after)

    stats = {}
    for label, (before, after) in parsed.items():
        check_against_premix(label, after, premix, fail)
        check_mixer(label, after, premix, fail)
        # A chunk problem (say, two NAME lines) counts only if premix introduced it.
        problems_in = {t.guid: set(t.problems) for t in before or [] if t.guid}
        for i, track in enumerate(after):
            for problem in set(track.problems) - problems_in.get(track.guid, set()):
                fail(label, f"output track {i}: {problem}")
        if before is not None:
            stats = check_identity_and_routing(label, before, after, args.allow_removal, fail, note)

    media = None
    for label, read in (("rppxml", rppxml_files), ("rpp", rpp_files)):
        if label in parsed:
            media = check_media(label, read, args, fail) or media

    folders = lambda ts: sum(1 for t in ts if folder_delta(t.isbus) > 0)  # noqa: E731
    summary = "read by " + ("+".join(parsed) or "no parser")
    if parsed:
        before, after = next(iter(parsed.values()))
        if before is not None:
            summary += (f"; tracks {len(before)}->{len(after)}, folders {folders(before)}->{folders(after)}"
                        f", {stats.get('created', 0)} new, {stats.get('receives', 0)} receive(s) traced")
    if media:
        summary += f", {media}"
    print(("failed: " if failures else "ok: ") + summary)
    for kind, found in (("FAIL", failures), ("note", notes)):
        for msg, labels in found.items():
            print(f"{kind} {'+'.join(labels)}: {msg}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
