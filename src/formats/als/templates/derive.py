"""Derives premix's built-in Live group tracks (live-<MinorVersion>.xml next to this script)
from the corpus, as templates.rs describes: trimmed group tracks of the versions that have one,
and for the others the nearest template with exactly the element-path differences applied that
the corpus shows between the two versions' tracks. `python3 derive.py write` rewrites the
files; `python3 derive.py` only prints the check tests/als_corpus.rs makes in Rust.
Corpus at ../shared/corpus next to the repository, or $PREMIX_CORPUS."""
import gzip, os, re, copy, collections, sys
import xml.etree.ElementTree as ET
T=os.path.dirname(os.path.abspath(__file__))
D=os.environ.get('PREMIX_CORPUS', os.path.join(T,'../../../../../shared/corpus'))+'/als'
KINDS=('AudioTrack','MidiTrack','ReturnTrack','GroupTrack')
def load(p):
    b=open(p,'rb').read()
    if b[:2]==b'\x1f\x8b': b=gzip.decompress(b)
    return ET.fromstring(b)
sets=collections.defaultdict(list)  # mv -> [(file, [tracks])]
for f in sorted(os.listdir(D)):
    r=load(os.path.join(D,f)); mv=r.get('MinorVersion')
    sets[mv].append((f,[t for t in r.find('LiveSet').find('Tracks')]))
def skip(p):
    return p.startswith('/DeviceChain/DeviceChain/Devices/') or p.startswith('/AutomationEnvelopes/Envelopes/')
def paths(el, pre=''):
    out=set()
    for c in el:
        p=pre+'/'+c.tag
        if skip(p): continue
        out.add(p); out|=paths(c,p)
    return out
def prefix(p):
    parts=p.split('/')
    return '/'.join(parts[:3]) if parts[1]=='DeviceChain' else '/'.join(parts[:2])
allk=collections.defaultdict(set); allp=collections.defaultdict(set)
for mv in sets:
    for f,ts in sets[mv]:
        for t in ts: allk[t.tag]|={prefix(p) for p in paths(t)}; allp[t.tag]|=paths(t)
clip_only=(allp['AudioTrack']|allp['MidiTrack'])-allp['ReturnTrack']-allp['GroupTrack']
group_only=allk['GroupTrack']-allk['AudioTrack']-allk['MidiTrack']-allk['ReturnTrack']
print('clip_only',len(clip_only)); print('group_only',sorted(group_only))
def evidence(mv):
    fs=[x for x in sets[mv] if not x[0].startswith('abletoolz-pruned__')] or sets[mv]
    return [t for f,ts in fs for t in ts]
def ref(mv):
    s=None
    for t in evidence(mv):
        if t.tag=='GroupTrack': continue
        p={q for q in paths(t) if q not in clip_only}
        s=p if s is None else s&p
    return s
def union(mv):
    s=set()
    for t in evidence(mv): s|=paths(t)
    return s
def unevidenced(p,u):
    return '/TrackSendHolder' in p and not any(q.endswith('/TrackSendHolder') for q in u)
def foreign(p,u,mv):
    if prefix(p) in group_only:
        groups=[t for t in evidence(mv) if t.tag=='GroupTrack']
        return bool(groups) and p not in set().union(*(paths(g) for g in groups))
    parent=p.rsplit('/',1)[0]
    return p not in u and (parent=='' or parent in u) and not unevidenced(p,u)

def find(el,p):
    for tag in p.strip('/').split('/'):
        el=el.find(tag) if el is not None else None
    return el
def serialize(el, depth):
    ind='\t'*depth
    attrs=''.join(f' {k}="{esc(v)}"' for k,v in el.attrib.items())
    kids=list(el)
    if not kids: return f'{ind}<{el.tag}{attrs} />\n'
    s=f'{ind}<{el.tag}{attrs}>\n'
    for c in kids: s+=serialize(c,depth+1)
    return s+f'{ind}</{el.tag}>\n'
def esc(v): return v.replace('&','&amp;').replace('<','&lt;').replace('>','&gt;').replace('"','&quot;')
def write(mv, g, header):
    body=serialize(g,3).lstrip('\t')
    open(f'{T}/live-{mv}.xml','w').write(f'<!-- {header} -->\n'+body)

def trim(g):
    g.attrib['Id']='0'
    for p in ('DeviceChain/DeviceChain/Devices','AutomationEnvelopes/Envelopes'):
        e=g.find(p)
        if e is not None:
            for c in list(e): e.remove(c)
    for lst,item in (('Slots','GroupTrackSlot'),('DeviceChain/Mixer/Sends','TrackSendHolder')):
        e=g.find(lst); items=e.findall(item)
        for c in items[1:]: e.remove(c)
        if items and 'Id' in items[0].attrib: items[0].attrib['Id']='0'
    n=g.find('Name')
    for k in ('EffectiveName','UserName'):
        if n.find(k) is not None: n.find(k).set('Value','Group')
    g.find('TrackGroupId').set('Value','-1')
    # Live 8 keeps a parameter's value inline as its default arrangement event.
    return g
def from_set(mv, fname):
    for f,ts in sets[mv]:
        if f==fname:
            g=copy.deepcopy(next(t for t in ts if t.tag=='GroupTrack'))
            return trim(g)

def load_template(mv):
    text=open(f'{T}/live-{mv}.xml').read()
    return ET.fromstring(text[text.find('<GroupTrack'):])

def max_id(el):
    return max([int(e.get('Id')) for e in el.iter() if e.get('Id') and e.tag!='GroupTrack' and (e.tag.endswith('Target') or e.tag=='Pointee')] or [0])

def derive(mv, base_mv):
    g=copy.deepcopy(load_template(base_mv))
    r,u=ref(mv),union(mv)
    tp=paths(g)
    removed=sorted(p for p in tp if foreign(p,u,mv))
    for p in removed:
        parent=find(g,p.rsplit('/',1)[0]) if p.count('/')>1 else g
        e=find(g,p)
        if e is not None and parent is not None: parent.remove(e)
    # donor: a track of this version holding the element (return tracks first: no clips, like groups)
    donors=sorted(evidence(mv), key=lambda t:(t.tag!='ReturnTrack', t.tag!='AudioTrack'))
    added=[]
    next_id=max_id(g)+1
    for p in sorted(r-paths(g), key=lambda p:(p.count('/'), p)):
        if p in paths(g): continue
        parent_p=p.rsplit('/',1)[0]
        parent=find(g,parent_p) if parent_p else g
        assert parent is not None, p
        # a group sends like an audio or MIDI track (a return's sends are off by default)
        order=donors if '/Sends/' not in p else sorted(donors,key=lambda t:t.tag=='ReturnTrack')
        donor=next(t for t in order if find(t,p) is not None)
        vals={(t.tag,ET.tostring(find(t,p))) for t in donors if find(t,p) is not None}
        kinds={}
        for k,v in vals: kinds.setdefault(re.sub(rb'Id="\d+"',b'',v),set()).add(k)
        if len(kinds)>1: print('   VALUES DIFFER',mv,p,kinds)
        dpar=find(donor,parent_p) if parent_p else donor
        e=copy.deepcopy(find(donor,p))
        for x in e.iter():
            if x.get('Id') and (x.tag.endswith('Target') or x.tag=='Pointee'):
                x.set('Id',str(next_id)); next_id+=1
        # place it after the nearest preceding sibling the template has
        sib=list(dpar); i=[id(x) for x in sib].index(id(find(donor,p)))
        pos=0
        kids=[c.tag for c in parent]
        for prev in reversed(sib[:i]):
            if prev.tag in kids: pos=kids.index(prev.tag)+1; break
        parent.insert(pos,e); added.append(p)
    # track attributes as the version's tracks carry them (Live 12: SelectedToolPanel, ...)
    donor=donors[0]
    g.attrib.clear(); g.set('Id','0')
    for k,v in donor.attrib.items():
        if k!='Id': g.set(k,v)
    return g, added, removed
def summarize(ps):
    tops=[]
    for p in ps:
        if not any(p.startswith(t+'/') for t in tops): tops.append(p)
    return ', '.join(x.lstrip('/') for x in tops) or 'none'

mode=sys.argv[1] if len(sys.argv)>1 else 'check'
if mode=='write':
    for mv,f in (('8.1_226','dawtool__live8-patch-markers-noauto.als'),('9.0_305','abletoolz-pruned__9.0.1.als'),('10.0_370','abletoolz-pruned__10.0.1.als')):
        g=from_set(mv,f)
        write(mv,g,f'premix built-in group track for Live sets with MinorVersion="{mv}": the first group track of corpus set {f}, with its devices, automation envelopes, all but one clip slot and all but one send holder removed; premix repeats the slot per scene and the holder per return track and renumbers every id.')
    for mv,base in (('9.5_326','9.5_327'),('10.0_377','10.0_370'),('11.0_11202','11.0_11300'),('12.0_12043','11.0_11300'),('12.0_12203','11.0_11300'),('12.0_12402','11.0_11300')):
        g,a,rm=derive(mv,base)
        files=sorted({f for f,ts in sets[mv]})
        ev=[f for f in files if not f.startswith('abletoolz-pruned__')] or files
        attrs=[k for k in g.attrib if k!='Id']
        write(mv,g,f'premix built-in group track for Live sets with MinorVersion="{mv}", DERIVED (the corpus holds no group track of this version): the built-in {base} group track with exactly the structural differences between the tracks of the two versions applied, as seen in corpus sets {", ".join(ev)}. Added (values from those tracks): {summarize(a)}. Removed: {summarize(rm)}. Track attributes: {", ".join(attrs) or "Id only"}.')
        print(mv,'added',summarize(a)); print(mv,'removed',summarize(rm))
# check every template
for fn in sorted(f for f in os.listdir(T) if f.startswith('live-') and f.endswith('.xml')):
    mv=fn[5:-4]
    g=load_template(mv); tp=paths(g)
    miss=sorted(ref(mv)-tp); forn=sorted(p for p in tp if foreign(p,union(mv),mv))
    print('CHECK',mv,'missing',miss,'foreign',forn)
