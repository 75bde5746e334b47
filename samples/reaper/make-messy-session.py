#!/usr/bin/env python3
"""Generate samples/reaper/messy-session.rpp in REAPER 7.x layout (deterministic).

Usage: python3 samples/reaper/make-messy-session.py samples/reaper/messy-session.rpp
"""
import base64, random, re, struct, sys

rng = random.Random(0x5EED7180)
used = set()

def guid():
    while True:
        h = '%032X' % rng.getrandbits(128)
        g = '{%s-%s-%s-%s-%s}' % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
        if g not in used:
            used.add(g)
            return g

def q(s):
    """REAPER string quoting."""
    if s == '':
        return '""'
    if not re.search(r'\s', s) and s[0] not in '"\'`#;':
        return s
    if '"' not in s:
        return '"%s"' % s
    if "'" not in s:
        return "'%s'" % s
    return '`%s`' % s

def f(x):
    """REAPER float formatting: up to 14 decimals, trailing zeros trimmed."""
    s = '%.14f' % x
    s = s.rstrip('0').rstrip('.')
    return '0' if s in ('-0', '') else s

def col(r, g, b):
    # linux/mac (SWELL): 0x01000000 | r<<16 | g<<8 | b
    return 0x01000000 | (r << 16) | (g << 8) | b

DEFCOL = 16576
BPM = 124.0
BEAT = 60.0 / BPM
BAR = 4 * BEAT

# ---------------------------------------------------------------- FX blobs
def vst_header(magic, tag, nin, nout, size, flags=b'\0' * 8):
    h = magic + tag + struct.pack('<i', nin)
    h += b''.join(struct.pack('<q', 1 << i) for i in range(nin))
    h += struct.pack('<i', nout)
    h += b''.join(struct.pack('<q', 1 << i) for i in range(nout))
    h += struct.pack('<i', size) + flags
    return h

def blob_lines(header, chunk, program=''):
    out = [base64.b64encode(header).decode()]
    for i in range(0, len(chunk), 96):
        out.append(base64.b64encode(chunk[i:i + 96]).decode())
    out.append(base64.b64encode(b'\0' + program.encode() + b'\0' + b'\0' * 4).decode())
    return out

DEADBEEF = struct.pack('<II', 0xDEADBEEF, 0xDEADF00D)

def reacomp(thresh, ratio, attack, release):
    vals = [thresh, ratio, attack, release, 0.0, 0.0, 0.4004, 0.00725, 0.0, 0.0,
            3.1622776e-08, 1.0, 0.0, 0.0, 0.0625, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    chunk = DEADBEEF + struct.pack('<21f', *vals)
    return blob_lines(vst_header(b'mcer', b'\xef\x5e\xed\xfe', 4, 2, len(chunk)), chunk)

def reaeq(bands):
    chunk = struct.pack('<2i', 33, len(bands))
    for t, fr, g, bw in bands:
        chunk += struct.pack('<2i3dB', t, 1, fr, g, bw, 0)
    chunk += bytes.fromhex('0100000001000000000000000000f03f00000000fd0100005c01000002000000')
    hdr = vst_header(b'qeer', b'\xee\x5e\xed\xfe', 2, 2, len(chunk), bytes.fromhex('0100000000000000'))
    return blob_lines(hdr, chunk)

def reasynth():
    vals = [0.0, 0.0, 0.0, 0.0, 0.24, 0.4293, 0.00033895, 0.0, 0.62, 0.00065475,
            0.0, 0.0, 1.0, 0.0, 1.0]
    chunk = DEADBEEF + struct.pack('<15f', *vals)
    return blob_lines(vst_header(b'yser', b'\xef\x5e\xed\xfe', 0, 2, len(chunk)), chunk)

def reaverbate():
    vals = [0.1584893, 1.0, 0.62, 0.47, 0.81, 0.0203, 0.43, 0.0115]
    chunk = DEADBEEF + struct.pack('<8f', *vals)
    return blob_lines(vst_header(b'8bvr', b'\xef\x5e\xed\xfe', 2, 2, len(chunk)), chunk)

PLUG = {
    'comp': ('"VST: ReaComp (Cockos)" reacomp.vst.so 0 "" 1919247213<5653547265636D726561636F6D700000> ""'),
    'eq': ('"VST: ReaEQ (Cockos)" reaeq.vst.so 0 "" 1919247729<56535472656571726561657100000000> ""'),
    'synth': ('"VSTi: ReaSynth (Cockos)" reasynth.vst.so 0 "" 1919251321<5653547265737972656173796E746800> ""'),
    'verb': ('"VST: ReaVerbate (Cockos)" reaverbate.vst.so 0 "" 1920361016<56535472766238726561766572626174> ""'),
}

# ---------------------------------------------------------------- session data
# item spec: dict(pos, len, file|midi, name, soffs, mute, recpass, fadein, fadeout)
def audio(fname, pos=0.0, length=None, soffs=0.0, name=None, mute=False, recpass=None,
          fi=0.0, fo=0.0):
    return dict(kind='wave', file=fname, pos=pos, len=length if length is not None else TAKE_LEN,
                soffs=soffs, name=name, mute=mute, recpass=recpass, fi=fi, fo=fo)

TAKE_LEN = 189.70208333333334          # drums/bass/gtr takes run a bit past the 96-bar song
SONG = 96 * BAR

def pad_notes(chords, bar_ticks=3840):
    """whole-bar chords -> E lines (delta ticks, status, d1, d2)."""
    ev = []
    t = 0
    last = 0
    for ch in chords:
        for i, n in enumerate(ch):
            ev.append((t - last if i == 0 else 0, '90', n, 0x50 + 3 * i))
            last = t
        t_off = t + bar_ticks - 60
        for i, n in enumerate(ch):
            ev.append((t_off - last if i == 0 else 0, '80', n, 0))
            last = t_off
        t += bar_ticks
    ev.append((t - last, 'b0', 0x7b, 0))
    return ['E %d %s %02x %02x' % e for e in ev], t

CHORDS = [[45, 52, 57, 60, 64], [41, 48, 53, 57, 64], [48, 55, 60, 64, 67], [43, 50, 55, 59, 62]] * 2

tracks = [
    # name, colour, volpan(vol,pan), mutesolo, iphase, isbus, sel, rec, fx, items, extras
    dict(name='Drums', col=col(235, 140, 52), isbus=(1, 1)),
    dict(name='kick in', col=col(200, 60, 60), rec=(0, 0), items=[audio('Audio/01 Kick In.wav', recpass=1)]),
    dict(name='KICK OUT', rec=(0, 1), vol=0.70794578438414,
         items=[audio('Audio/02 Kick Out.wav', recpass=1)]),
    dict(name='Snare top', col=col(64, 128, 255), rec=(0, 2), items=[audio('Audio/03 Snare Top.wav', recpass=1)]),
    dict(name='snr btm', rec=(0, 3), iphase=1, isbus=(2, -1), vol=0.5,
         items=[audio('Audio/04 Snare Btm.wav', recpass=1)]),
    dict(name='Bass DI', col=col(130, 90, 200), rec=(0, 12),
         items=[audio('Audio/11 Bass DI.wav', recpass=4)]),
    dict(name='bass amp', rec=(0, 13), fx='basscomp',
         items=[audio('Audio/12 Bass Amp.wav', length=92.90322580645162, recpass=4, fo=0.01),
                audio('Audio/12 Bass Amp_punch.wav', pos=92.90322580645162,
                      length=TAKE_LEN - 92.90322580645162, soffs=92.90322580645162,
                      recpass=7, fi=0.01)]),
    dict(name='HH', rec=(0, 4), items=[audio('Audio/05 HiHat.wav', recpass=1)]),
    dict(name='Tom 1', rec=(0, 5), items=[audio('Audio/06 Tom 1.wav', recpass=1)]),
    dict(name='floor tom', col=col(255, 170, 0), rec=(0, 6), items=[audio('Audio/07 Floor Tom.wav', recpass=1)]),
    dict(name='Gtr L - Marshall', rec=(0, 14), pan=-0.8, items=[audio('Audio/13 Gtr L Marshall.wav', recpass=9)]),
    dict(name='gtr R', rec=(0, 15), pan=0.8,
         items=[audio('Audio/14 Gtr R.wav', pos=16 * BAR, length=32 * BAR, soffs=16 * BAR,
                      recpass=10, fi=0.01, fo=0.01),
                audio('Audio/14 Gtr R.wav', pos=56 * BAR, length=40 * BAR, soffs=56 * BAR,
                      recpass=10, fi=0.01, fo=0.01)]),
    dict(name='OH L', rec=(0, 7), pan=-1.0, items=[audio('Audio/08 OH L.wav', recpass=1)]),
    dict(name='OH R', rec=(0, 8), pan=1.0, items=[audio('Audio/09 OH R.wav', recpass=1)]),
    dict(name='Ac Gtr', rec=(0, 16),
         items=[audio('Audio/15 Ac Gtr.wav', pos=0.0, length=16 * BAR, recpass=12, fo=0.05),
                audio('Audio/15 Ac Gtr.wav', pos=64 * BAR, length=16 * BAR, soffs=64 * BAR,
                      recpass=12, fi=0.05, fo=0.05)]),
    dict(name='Rhodes', rec=(0, 17), items=[audio('Audio/16 Rhodes DI.wav', recpass=14)]),
    dict(name='Synth Pad', rec=(0, 5088), fx='synth', vol=0.5,
         items=[dict(kind='midi', pos=32 * BAR, bars=8, name='Synth Pad MIDI'),
                dict(kind='midi', pos=72 * BAR, bars=8, name='Synth Pad MIDI')]),
    dict(name='Room', rec=(0, 9), items=[audio('Audio/10 Room Mono.wav', recpass=1)]),
    dict(name='Lead Vox', col=col(70, 190, 120), rec=(1, 18), sel=1, fx='vox',
         items=[audio('Audio/Lead Vox_03.wav', pos=8 * BAR - 0.25, length=24 * BAR + 0.5,
                      soffs=8 * BAR - 0.25, name='Lead Vox_03.wav', recpass=17, fi=0.01, fo=0.01),
                audio('Audio/Lead Vox_05.wav', pos=32 * BAR + 0.25, length=40 * BAR,
                      soffs=32 * BAR + 0.25, name='Lead Vox "keeper" take 5', recpass=19,
                      fi=0.01, fo=0.01),
                audio('Audio/Lead Vox_03.wav', pos=72 * BAR + 0.25, length=24 * BAR,
                      soffs=72 * BAR + 0.25, name='Lead Vox_03.wav', recpass=17, fi=0.01, fo=0.5),
                audio('Audio/Lead Vox_04.wav', pos=100 * BAR, length=8 * BAR, soffs=40 * BAR,
                      name='Lead Vox_04 ALT', mute=True, recpass=18)]),
    dict(name='BV 1', rec=(0, 19), pan=-0.35,
         items=[audio('Audio/BV 1.wav', pos=32 * BAR, length=16 * BAR, soffs=32 * BAR, recpass=21,
                      fi=0.01, fo=0.01),
                audio('Audio/BV 1.wav', pos=72 * BAR, length=16 * BAR, soffs=72 * BAR, recpass=21,
                      fi=0.01, fo=0.01)]),
    dict(name='bv2 harm', rec=(0, 19), pan=0.35,
         items=[audio('Audio/bv2 harm.wav', pos=32 * BAR, length=16 * BAR, soffs=32 * BAR, recpass=22,
                      fi=0.01, fo=0.01),
                audio('Audio/bv2 harm.wav', pos=72 * BAR, length=16 * BAR, soffs=72 * BAR, recpass=22,
                      fi=0.01, fo=0.01)]),
    dict(name='Audio 23', rec=(0, 20)),
    dict(name='Track 24', rec=(0, 21),
         items=[audio('Audio/23-Track 24-240611_1532.wav', pos=0.0, length=48 * BAR, mute=True, recpass=5),
                audio('Audio/23-Track 24-240611_1532-01.wav', pos=48 * BAR, length=48 * BAR,
                      mute=True, recpass=6)]),
    dict(name='Ref - Mix from client.wav', mutesolo=(1, 0, 0), vol=0.5, sel=1,
         items=[audio('Audio/Mix from client.wav', pos=0.0, length=SONG + 2.5)]),
    dict(name='Verb', col=col(60, 170, 190), fx='verb',
         auxrecv=[('Lead Vox', 0.31622776601684), ('BV 1', 0.25118864315096)]),
]

names = [t['name'] for t in tracks]

# ---------------------------------------------------------------- writer
out = []
def w(depth, line):
    out.append('  ' * depth + line)

def env(depth, tag, defshape, vis):
    w(depth, '<' + tag)
    w(depth + 1, 'EGUID ' + guid())
    w(depth + 1, 'ACT 0 -1')
    w(depth + 1, 'VIS %s' % vis)
    w(depth + 1, 'LANEHEIGHT 0 0')
    w(depth + 1, 'ARM 0')
    w(depth + 1, 'DEFSHAPE %s -1 -1' % defshape)
    w(depth, '>')

def fxchain(depth, fxs, wndrect):
    w(depth, '<FXCHAIN')
    w(depth + 1, 'WNDRECT ' + wndrect)
    w(depth + 1, 'SHOW 0')
    w(depth + 1, 'LASTSEL %d' % (len(fxs) - 1))
    w(depth + 1, 'DOCKED 0')
    for plug, lines, bypass in fxs:
        w(depth + 1, 'BYPASS %d 0 0' % bypass)
        w(depth + 1, '<VST ' + PLUG[plug])
        for l in lines:
            w(depth + 2, l)
        w(depth + 1, '>')
        w(depth + 1, 'FLOATPOS 0 0 0 0')
        w(depth + 1, 'FXID ' + guid())
        w(depth + 1, 'WAK 0 0')
    w(depth, '>')

iid = [0]
def item(depth, it):
    iid[0] += 1
    w(depth, '<ITEM')
    d = depth + 1
    w(d, 'POSITION ' + f(it['pos']))
    w(d, 'SNAPOFFS 0')
    if it['kind'] == 'midi':
        length = it['bars'] * BAR
    else:
        length = it['len']
    w(d, 'LENGTH ' + f(length))
    w(d, 'LOOP 1')
    w(d, 'ALLTAKES 0')
    w(d, 'FADEIN 1 %s 0 1 0 0 0' % f(it.get('fi', 0.0)))
    w(d, 'FADEOUT 1 %s 0 1 0 0 0' % f(it.get('fo', 0.0)))
    w(d, 'MUTE %d 0' % (1 if it.get('mute') else 0))
    w(d, 'SEL 0')
    w(d, 'IGUID ' + guid())
    w(d, 'IID %d' % iid[0])
    if it['kind'] == 'midi':
        w(d, 'NAME ' + q(it['name']))
        w(d, 'VOLPAN 1 0 1 -1')
        w(d, 'SOFFS 0 0')
        w(d, 'PLAYRATE 1 1 0 -1 0 0.0025')
        w(d, 'CHANMODE 0')
        w(d, 'GUID ' + guid())
        w(d, '<SOURCE MIDI')
        s = d + 1
        w(s, 'HASDATA 1 960 QN')
        w(s, 'CCINTERP 32')
        w(s, 'POOLEDEVTS ' + guid())
        evs, _ = pad_notes(CHORDS[:it['bars']])
        for e in evs:
            w(s, e)
        w(s, 'CCINTERP 32')
        w(s, 'CHASE_CC_TAKEOFFS 1')
        w(s, 'GUID ' + guid())
        w(s, 'IGNTEMPO 0 124 4 4')
        w(s, 'SRCCOLOR 0')
        w(s, 'VELLANE -1 100 0')
        w(s, 'CFGEDITVIEW 0 0.182292 48 12 0 -1 0 0 0 0.5')
        w(s, 'KEYSNAP 0')
        w(s, 'TRACKSEL 0')
        w(s, 'EVTFILTER 0 -1 -1 -1 -1 0 0 0 0 -1 -1 -1 -1 0 -1 0 -1 -1')
        w(s, 'CFGEDIT 1 1 0 1 0 0 1 1 1 1 1 0.5 88 112 1329 937 0 0 0 0 0 0 0 0 0 0.5 0 0 1 64')
        w(d, '>')
    else:
        name = it['name'] if it['name'] is not None else it['file'].split('/')[-1]
        w(d, 'NAME ' + q(name))
        w(d, 'VOLPAN 1 0 1 -1')
        w(d, 'SOFFS ' + f(it['soffs']))
        w(d, 'PLAYRATE 1 1 0 -1 0 0.0025')
        w(d, 'CHANMODE 0')
        w(d, 'GUID ' + guid())
        if it.get('recpass'):
            w(d, 'RECPASS %d' % it['recpass'])
        w(d, '<SOURCE WAVE')
        w(d + 1, 'FILE ' + q(it['file']))
        w(d, '>')
    w(depth, '>')

UNIX = 1718127391   # 2024-06-11

w(0, '<REAPER_PROJECT 0.1 "7.18/linux-x86_64" %d' % UNIX)
w(1, '<NOTES 0 2')
for l in ['|Tracked 10-11 June, 48k/24. Drums day 1, bass/gtrs/keys day 2.',
          '|Lead vox comped from takes 3 + 5, alt take 4 parked at the end (muted).',
          '|BVs: double + harmony. Last track is the client\'s rough mix - reference only, don\'t print it!',
          '|']:
    w(2, l)
w(1, '>')
header = """RIPPLE 0 0
GROUPOVERRIDE 0 0 0
AUTOXFADE 129
ENVATTACH 3
POOLEDENVATTACH 0
MIXERUIFLAGS 11 48
PEAKGAIN 1
FEEDBACK 0
PANLAW 1
PROJOFFS 0 0 0
MAXPROJLEN 0 600
GRID 3199 8 1 8 1 0 0 0
TIMEMODE 1 5 -1 30 0 0 -1
CURSOR 61.93548387096774
ZOOM 5.32862190812721 0 0
VZOOMEX 2.37 0
USE_REC_CFG 0
RECMODE 1
SMPTESYNC 0 30 100 40 1000 300 0 0 1 0 0
LOOP 0
LOOPGRAN 0 4
RECORD_PATH Audio \"\"
<RECORD_CFG
  ZXZhdxgA
>
<APPLYFX_CFG
>
RENDER_FILE \"\"
RENDER_PATTERN \"\"
RENDER_FMT 0 2 0
RENDER_1X 0
RENDER_RANGE 1 0 0 18 1000
RENDER_RESAMPLE 3 0 1
RENDER_ADDTOPROJ 0
RENDER_STEMS 0
RENDER_DITHER 0
RENDER_TRIM 0.000001 0.000001 0 0
TIMELOCKMODE 1
TEMPOENVLOCKMODE 1
ITEMMIX 1
DEFPITCHMODE 589824 0
TAKELANE 1
SAMPLERATE 48000 0 0
<RENDER_CFG
  ZXZhdxgA
>
LOCK 1
<METRONOME 6 2
  VOL 0.25 0.125
  BEATLEN 4
  FREQ 1760 880 1
  SAMPLES \"\" \"\" \"\" \"\"
  SPLIGNORE 0 0
  SPLDEF 2 660 \"\" 0 \"\"
  SPLDEF 3 440 \"\" 0 \"\"
  PATTERN 0 169
  PATTERNSTR ABBB
  MULT 1
>
GLOBAL_AUTO -1
TEMPO 124 4 4 0
PLAYRATE 1 0 0.25 4
SELECTION 0 0
SELECTION2 0 0
MASTERAUTOMODE 0
MASTERTRACKHEIGHT 0 0
MASTERPEAKCOL 16576
MASTERMUTESOLO 0
MASTERTRACKVIEW 1 0.6667 0.5 0.5 0 -1 -1 0 0 0 0 0 0 0
MASTERHWOUT 0 0 1 0 0 0 0 -1
MASTER_NCH 2 2
MASTER_VOLUME 1 0 -1 -1 1
MASTER_FX 1
MASTER_SEL 0"""
for l in header.split('\n'):
    w(1, l)
env(1, 'MASTERPLAYSPEEDENV', 0, '0 1 1')
env(1, 'TEMPOENVEX', 1, '1 0 1')
w(1, '<PROJBAY')
w(1, '>')

for idx, t in enumerate(tracks):
    g = guid()
    w(1, '<TRACK ' + g)
    d = 2
    w(d, 'NAME ' + q(t['name']))
    w(d, 'PEAKCOL %d' % t.get('col', DEFCOL))
    w(d, 'BEAT -1')
    w(d, 'AUTOMODE 0')
    w(d, 'PANLAWFLAGS 3')
    w(d, 'VOLPAN %s %s -1 -1 1' % (f(t.get('vol', 1.0)), f(t.get('pan', 0.0))))
    w(d, 'MUTESOLO %d %d %d' % t.get('mutesolo', (0, 0, 0)))
    w(d, 'IPHASE %d' % t.get('iphase', 0))
    w(d, 'PLAYOFFS 0 1')
    w(d, 'ISBUS %d %d' % t.get('isbus', (0, 0)))
    w(d, 'BUSCOMP 0 0 0 0 0')
    w(d, 'SHOWINMIX 1 0.6667 0.5 1 0.5 0 0 0')
    w(d, 'FIXEDLANES 9 0 0 0 0')
    w(d, 'SEL %d' % t.get('sel', 0))
    arm, inp = t.get('rec', (0, 0))
    w(d, 'REC %d %d 1 0 0 0 0 0' % (arm, inp))
    w(d, 'VU 2')
    w(d, 'TRACKHEIGHT 0 0 0 0 0 0 0')
    w(d, 'INQ 0 0 0 0.5 100 0 0 100')
    w(d, 'NCHAN 2')
    w(d, 'FX 1')
    w(d, 'TRACKID ' + g)
    w(d, 'PERF 0')
    for src, vol in t.get('auxrecv', []):
        w(d, "AUXRECV %d 0 %s 0 0 0 0 0 0 -1:U 0 -1 ''" % (names.index(src), f(vol)))
    w(d, 'MIDIOUT -1')
    w(d, 'MAINSEND 1 0')
    fx = t.get('fx')
    if fx == 'vox':
        fxchain(d, [('eq', reaeq([(4, 90.0, 1.0, 2.0), (2, 280.0, 0.70794578438414, 1.0),
                                  (2, 3400.0, 1.25892541179417, 1.2), (1, 11000.0, 1.18850222743702, 1.0)]), 0),
                    ('comp', reacomp(0.17782794, 0.04242424, 0.0198, 0.0098), 0)], '24 52 655 408')
    elif fx == 'basscomp':
        fxchain(d, [('comp', reacomp(0.25118864, 0.06060606, 0.0198, 0.0245), 1)], '56 84 722 436')
    elif fx == 'synth':
        fxchain(d, [('synth', reasynth(), 0)], '0 55 684 538')
    elif fx == 'verb':
        fxchain(d, [('verb', reaverbate(), 0)], '24 52 644 345')
    for it in t.get('items', []):
        item(d, it)
    w(1, '>')
w(0, '>')

data = '\n'.join(out) + '\n'
open(sys.argv[1], 'w', newline='\n').write(data)
print(len(data), 'bytes,', len(tracks), 'tracks,', iid[0], 'items')
