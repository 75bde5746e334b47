#!/usr/bin/env python3
"""Writes the audio the bundled sample projects play: short stems made here (Python's standard
library only, nothing downloaded), with known defects planted so that `premix preflight
samples` shows each kind of problem.

    python3 samples/make-media.py

Deterministic: the same script always writes the same bytes.

- samples/reaper/Audio/: every file messy-session.rpp plays but one, 0.5 s each (REAPER loops
  them over their items: every item has `LOOP 1`). The Live sample (samples/als) plays the
  same files through `../reaper/Audio/` relative paths.
- samples/ardour/messy-session/interchange/messy-session/audiofiles/: the files real Ardour
  bounced (silent, 32-bit float) rewritten with sound, same length and channels.

Planted defects (everything else is clean 24-bit, 48 kHz material at about -12 dBFS):

| file | defect | preflight kind |
|---|---|---|
| reaper 01 Kick In | flat-topped at full scale | clipping |
| reaper 05 HiHat | +0.05 DC | dc_offset |
| reaper 06 Tom 1 | digital silence | silent |
| reaper 10 Room Mono | stereo, both channels the same | dual_mono |
| reaper 12 Bass Amp_punch | not written | missing_media |
| reaper 13 Gtr L Marshall | stereo, right channel silent | one_sided |
| reaper 14 Gtr R | stereo, right = -left | polarity |
| reaper 16 Rhodes DI | 44.1 kHz | sample_rate |
| reaper Mix from client | 16-bit | bit_depth |
| reaper Lead Vox_04 | a text file named .wav | unreadable_media |
| ardour Acoustic%L/%R | the two mono files the same | dual_mono |
| ardour bv 2 | 0.25 s where the others run 0.5 s | short_media |
| ardour hh | digital silence | silent |
"""

import math
import os
import random
import re
import struct
import wave
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
RATE = 48000
SECONDS = 0.5


def tone(name, frames, rate, amp=0.25):
    """A plucked note and a little noise, pitched from the file name: sounds like something."""
    rng = random.Random(zlib.crc32(name.encode()))
    freq = 55.0 * 2 ** (rng.randrange(0, 36) / 12.0)
    out = []
    for i in range(frames):
        t = i / rate
        env = math.exp(-3.0 * t) * min(1.0, t * 200.0)
        x = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
        out.append(amp * env * x / 1.3 + 0.002 * (rng.random() - 0.5))
    return out


def write(path, channels, rate=RATE, bits=24):
    """channels: a list of equally long lists of floats (-1..1)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    full = (1 << (bits - 1)) - 1
    frames = bytearray()
    for samples in zip(*channels):
        for x in samples:
            v = max(-full - 1, min(full, int(round(x * (full + 1)))))
            frames += v.to_bytes(bits // 8, 'little', signed=True)
    with wave.open(path, 'wb') as w:
        w.setnchannels(len(channels))
        w.setsampwidth(bits // 8)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


def wav_frames(path):
    """Frames and channels of a WAV file of any sample format (Ardour writes 32-bit float,
    which the wave module does not read)."""
    data = open(path, 'rb').read()
    i, channels, align, size = 12, 1, 4, 0
    while i + 8 <= len(data):
        cid, n = data[i:i + 4], struct.unpack('<I', data[i + 4:i + 8])[0]
        if cid == b'fmt ':
            channels, = struct.unpack('<H', data[i + 10:i + 12])
            align, = struct.unpack('<H', data[i + 20:i + 22])
        elif cid == b'data':
            size = n
        i += 8 + n + (n & 1)
    return size // align, channels


def reaper():
    rpp = open(os.path.join(HERE, 'reaper', 'messy-session.rpp'), encoding='utf-8').read()
    files = sorted(set(re.findall(r'FILE "(Audio/[^"]+)"', rpp)))
    frames = int(RATE * SECONDS)
    for rel in files:
        path = os.path.join(HERE, 'reaper', rel)
        name = os.path.basename(rel)
        base = tone(name, frames, RATE)
        if name == '12 Bass Amp_punch.wav':
            if os.path.exists(path):
                os.remove(path)
            continue
        if name == 'Lead Vox_04.wav':
            with open(path, 'w') as f:
                f.write('This take was lost: the file is a note, not audio.\n')
            continue
        if name == '01 Kick In.wav':
            write(path, [[max(-1.0, min(1.0, 6.0 * x)) for x in base]])
        elif name == '05 HiHat.wav':
            write(path, [[x + 0.05 for x in base]])
        elif name == '06 Tom 1.wav':
            write(path, [[0.0] * frames])
        elif name == '10 Room Mono.wav':
            write(path, [base, base])
        elif name == '13 Gtr L Marshall.wav':
            write(path, [base, [0.0] * frames])
        elif name == '14 Gtr R.wav':
            write(path, [base, [-x for x in base]])
        elif name == '16 Rhodes DI.wav':
            write(path, [tone(name, int(44100 * SECONDS), 44100)], rate=44100)
        elif name == 'Mix from client.wav':
            write(path, [base, tone(name + 'R', frames, RATE)], bits=16)
        else:
            write(path, [base])


def ardour():
    folder = os.path.join(HERE, 'ardour', 'messy-session', 'interchange', 'messy-session',
                          'audiofiles')
    acoustic = None
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        frames, channels = wav_frames(path)
        if name == 'hh.wav':
            signal = [0.0] * frames
        elif name.startswith('Acoustic%'):
            # Ardour records a stereo track into two mono files: the same signal in both.
            acoustic = acoustic or tone('Acoustic', frames, RATE)
            signal = acoustic
        else:
            signal = tone(name, frames, RATE)
        write(path, [signal] * channels)


if __name__ == '__main__':
    reaper()
    ardour()
