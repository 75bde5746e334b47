"""Check one premix output DAWproject with Python's own zipfile and ElementTree, a reader
independent of premix's (no code shared).

Given the input, premix's output and `premix inspect OUTPUT --json`, this proves:
1. zipfile opens the output and every entry's CRC checks (`testzip`);
2. the entries are the input's, in the same order, and every entry but project.xml is the
   same: its local header, compressed bytes and data descriptor byte for byte, its central
   record (times, flags, extra field, comment, attributes) but for the offset;
3. project.xml parses; ids are unique and every reference (`destination`, `track`,
   `parameter`, `reference`) names an id of the document;
4. the tracks ElementTree finds in Structure (the master left out) are premix's, in order:
   names, colours, kinds (contentType/role), group membership (nesting), mute;
5. every track in a group with a channel feeds that group's channel (`destination`).
Exit 0 passed, 1 failed.
"""
import json
import struct
import sys
import xml.etree.ElementTree as ET
import zipfile

failures = []


def fail(msg):
    failures.append(msg)


def raw_entry(path, info):
    """The local header, data and descriptor of `info`, as bytes of the file."""
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        head = f.read(30)
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        rest = f.read(name_len + extra_len + info.compress_size)
        tail = b""
        if info.flag_bits & 8:
            sig = f.read(4)
            tail = sig + f.read(12 if sig == b"PK\x07\x08" else 8)
        return head + rest + tail


def central(info):
    return (info.create_version, info.create_system, info.extract_version, info.flag_bits,
            info.compress_type, info.date_time, info.extra, info.comment,
            info.internal_attr, info.external_attr)


def kind_of(track):
    types = (track.get("contentType") or "").split()
    channel = track.find("Channel")
    role = channel.get("role") if channel is not None else None
    if "tracks" in types:
        return "bus"
    if role == "effect":
        return "return"
    if "notes" in types and "audio" not in types:
        return "midi"
    return "audio"


def main(inp, out, inspect):
    zin, zout = zipfile.ZipFile(inp), zipfile.ZipFile(out)
    bad = zout.testzip()
    if bad is not None:
        fail(f"bad CRC in {bad}")
    names_in = [i.filename for i in zin.infolist()]
    names_out = [i.filename for i in zout.infolist()]
    if names_in != names_out:
        fail(f"entries differ: {names_in} vs {names_out}")
    for a, b in zip(zin.infolist(), zout.infolist()):
        if central(a) != central(b):
            fail(f"{a.filename}: central record changed")
        if a.filename != "project.xml" and raw_entry(inp, a) != raw_entry(out, b):
            fail(f"{a.filename}: bytes changed")

    root = ET.fromstring(zout.read("project.xml"))
    ids = {}
    for el in root.iter():
        i = el.get("id")
        if i is not None:
            if i in ids:
                fail(f"id {i} twice")
            ids[i] = el
    for el in root.iter():
        for attr in ("destination", "track", "parameter", "reference"):
            v = el.get(attr)
            if v is not None and v not in ids:
                fail(f"<{el.tag} {attr}={v!r}> names no id")

    seen = []  # (name, colour, kind, parent index, muted)
    group_channel = {}

    def walk(track, parent):
        channel = track.find("Channel")
        role = channel.get("role") if channel is not None else None
        types = (track.get("contentType") or "").split()
        if role == "master" and "tracks" not in types:
            return  # the project's master
        index = len(seen)
        mute = channel.find("Mute") if channel is not None else None
        seen.append((track.get("name"), track.get("color"), kind_of(track), parent,
                     mute is not None and mute.get("value") == "true"))
        if parent is not None and channel is not None and parent in group_channel:
            if channel.get("destination") != group_channel[parent]:
                fail(f"track {track.get('name')!r} does not feed its group's channel")
        if channel is not None and "tracks" in types:
            group_channel[index] = channel.get("id")
        for child in track.findall("Track"):
            walk(child, index)

    structure = root.find("Structure")
    for el in (structure if structure is not None else []):
        if el.tag == "Track":
            walk(el, None)
        elif el.tag == "Channel" and el.get("role") != "master":
            seen.append((el.get("name"), el.get("color"),
                         "return" if el.get("role") == "effect" else "bus", None,
                         False))

    # premix's inspect JSON (version 2) counts tracks from 1, parents too.
    premix = json.load(open(inspect))["tracks"]
    if len(premix) != len(seen):
        fail(f"{len(seen)} tracks, premix reports {len(premix)}")
    for t, (name, color, kind, parent, muted) in zip(premix, seen):
        want = (t["name"], t["color"], t["kind"], t["parent"], t["muted"])
        got = (name, color.lower() if color else None, kind,
               None if parent is None else parent + 1, muted)
        if got != want:
            fail(f"track {t['index']}: read {got}, premix says {want}")
    for f in failures:
        print(f)
    print(f"{len(seen)} tracks, {len(names_out)} entries")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
