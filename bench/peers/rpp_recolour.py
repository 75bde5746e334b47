"""Recolour every track of a REAPER project with the `rpp` package: loads, set PEAKCOL, dumps,
write.

    python rpp_recolour.py IN.rpp OUT.rpp
"""
import sys

import rpp

with open(sys.argv[1], encoding="utf-8") as f:
    project = rpp.loads(f.read())
for i, track in enumerate(project.iter("TRACK")):
    for child in track.children:
        if isinstance(child, list) and child and child[0] == "PEAKCOL":
            child[1] = str(16777216 | (i * 2654435) & 0xFFFFFF)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(rpp.dumps(project))
