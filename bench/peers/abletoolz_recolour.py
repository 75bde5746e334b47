"""Recolour every track of a Live set with abletoolz's API and save it (gzip), in place.

    python abletoolz_recolour.py SET.als

abletoolz's CLI crashes on Linux (os.stat().st_birthtime, see FORMATS.md), so the file-time
bookkeeping it wraps around parse/save is stubbed; everything else is abletoolz's own code:
AbletonSet.parse (gzip + ElementTree), load_version, load_tracks, AbletonTrack.color and
AbletonSet.write_set (ElementTree serialisation + gzip).
"""
import pathlib
import sys

from abletoolz.ableton_set import AbletonSet

AbletonSet.get_file_times = lambda self: None
AbletonSet.restore_file_times = lambda self, path: None

s = AbletonSet(pathlib.Path(sys.argv[1]))
assert s.parse()
s.load_version()
s.load_tracks()
for i, track in enumerate(s.tracks):
    track.color = (i * 7) % 70
s.write_set()
