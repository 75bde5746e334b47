#!/usr/bin/env python3
"""Writes the probe behind premix's refusal of buses in Ardour 2 sessions (see
src/formats/ardour/bus.rs): the corpus Ardour 2 session with a MixGroup and an EditGroup whose
membership is spelled every way a route can name its group (Ardour 2's `edit-group` and
`mix-group`, Ardour 3+'s `route-group`).

    ardour2_groups.py ARDOUR2_SESSION OUT_FILE

run.sh loads OUT_FILE in Ardour 7.3: the groups load, no route is in them.
"""
import sys

src, out = sys.argv[1:3]
s = open(src, encoding="utf-8").read()
s = s.replace("<EditGroups/>",
              '<EditGroups>\n    <EditGroup name="E2" flags="Active,Relative"/>\n  </EditGroups>', 1)
s = s.replace("<MixGroups/>",
              '<MixGroups>\n    <MixGroup name="G2" flags="Active,Relative"/>\n  </MixGroups>', 1)
for io, attrs in (("Vocal1", ' edit-group="E2" mix-group="G2"'), ("Vocal2", ' route-group="G2"')):
    at = s.find(f'<IO name="{io}"')
    route = s.rfind("<Route ", 0, at)
    end = s.find(">", route)
    s = s[:end] + attrs + s[end:]
open(out, "w", encoding="utf-8").write(s)
