"""Writes live-11.3-skeleton.txt (read by live_set.rs): the element paths and default values
shared by every track of each kind, every clip of each kind and the LiveSet of the
Live-written Live 11.3 sets of the corpus. Run: python3 benches/gen/derive-live-skeleton.py
(corpus at ../shared/corpus, or $PREMIX_CORPUS)."""
import gzip, os, re
import xml.etree.ElementTree as ET
HERE0=os.path.dirname(os.path.abspath(__file__))
D=os.environ.get('PREMIX_CORPUS', os.path.join(HERE0,'../../../shared/corpus'))+'/als'
FILES=['node-als-parser__Foo.als','node-als-parser__Michelle.als','node-als-parser__Test_Project.als','tioxy-alp-uncompressed__als2.als']
roots=[]
for f in FILES:
    b=open(os.path.join(D,f),'rb').read()
    if b[:2]==b'\x1f\x8b': b=gzip.decompress(b)
    roots.append(ET.fromstring(b))
def skip(p):
    p='/'+p
    return ('/DeviceChain/DeviceChain/Devices/' in p+'/' and not p.endswith('/DeviceChain/DeviceChain/Devices')) or \
           ('/AutomationEnvelopes/Envelopes/' in p+'/' and not p.endswith('/AutomationEnvelopes/Envelopes')) or \
           re.search(r'/(AudioClip|MidiClip)(/|$)',p) or p.startswith('/Tracks/')
def walk(el, pre, out, attrs):
    for c in el:
        p=(pre+'/' if pre else '')+c.tag
        if skip(p): continue
        if p not in attrs:
            out.append(p); attrs[p]=dict(c.attrib)
        walk(c,p,out,attrs)
def ordered(el):
    out=[];attrs={}; walk(el,'',out,attrs); return out,attrs
sections=[]
for kind in ['AudioTrack','MidiTrack','ReturnTrack','GroupTrack']:
    tracks=[t for r in roots for t in r.find('LiveSet/Tracks') if t.tag==kind]
    first,attrs=ordered(tracks[0])
    common=set(first)
    for t in tracks[1:]: common&=set(ordered(t)[0])
    sections.append((kind,len(tracks),[p for p in first if p in common],attrs,dict(tracks[0].attrib)))
for kind in ['AudioClip','MidiClip']:
    clips=[c for r in roots for c in r.iter(kind) ]
    if not clips: continue
    def cwalk(el,pre,out,attrs):
        for c in el:
            p=(pre+'/' if pre else '')+c.tag
            if p not in attrs: out.append(p); attrs[p]=dict(c.attrib)
            cwalk(c,p,out,attrs)
    def cord(el):
        out=[];a={};cwalk(el,'',out,a);return out,a
    first,attrs=cord(clips[0]); common=set(first)
    for c in clips[1:]: common&=set(cord(c)[0])
    sections.append((kind,len(clips),[p for p in first if p in common],attrs,dict(clips[0].attrib)))
ls=[r.find('LiveSet') for r in roots]
first,attrs=ordered(ls[0]); common=set(first)
for l in ls[1:]: common&=set(ordered(l)[0])
sections.append(('LiveSet',len(ls),[p for p in first if p in common],attrs,{}))
def q(v):
    v='' if ('/' in v or 'userfolder' in v) else v
    return v.replace('&','&amp;').replace('"','&quot;').replace('<','&lt;').replace('>','&gt;')
out=['# Element paths and default values every Live 11.3 (MinorVersion 11.0_11300) set of the corpus',
     '# shares, per section, in document order: the intersection over the Live-written sets',
     '# '+', '.join(FILES)+',',
     '# with the attributes of the first element of that kind holding each path.',
     '# Made by derive-live-skeleton.py. Devices, automation envelopes and clip contents beyond the',
     '# shared elements are left out; values holding a "/" (the users\' folders) are blanked; lists',
     '# (slots, sends, scenes, warp markers) hold one entry that live_set.rs repeats and every id',
     '# is assigned there. One line: PATH ATTR="value" ...; [Section] starts a section.']
for kind,n,paths,attrs,rootattrs in sections:
    out.append(f'[{kind}] '+' '.join(f'{k}="{q(v)}"' for k,v in rootattrs.items() if k not in ('Id',)))
    for p in paths:
        out.append(p+''.join(f' {k}="{q(v)}"' for k,v in attrs[p].items()))
    print(kind, n, 'elements,', len(paths), 'shared paths')
import pathlib
HERE=pathlib.Path(__file__).resolve().parent
open(HERE/'live-11.3-skeleton.txt','w').write('\n'.join(out)+'\n')
