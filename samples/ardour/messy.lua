-- messy.lua: fills a fresh Ardour session with the kind of track list premix tidies up:
-- inconsistent names, default colours, a short region on most tracks, a muted alternate take
-- whose region is muted too, an effects bus and a stray empty track. Run by make.sh in headless Ardour 7 (ardour7-lua).
--   ardour7-lua messy.lua SESSION_DIR SESSION_NAME
local s = load_session(arg[1], arg[2])
if not s then print("LOAD FAILED"); os.exit(2) end

local max = ARDOUR.PresentationInfo.max_order
local function audio(name, inputs)
  local tl = Session:new_audio_track(inputs or 1, 2, nil, 1, name, max, ARDOUR.TrackMode.Normal, true)
  return tl:front()
end
-- MIDI tracks get Ardour's bundled synth, so that they have audio outputs (for a bus).
local synth = ARDOUR.LuaAPI.new_plugin_info("https://community.ardour.org/node/7596", ARDOUR.PluginType.LV2)
local function midi(name)
  local tl = Session:new_midi_track(ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1),
    ARDOUR.ChanCount(ARDOUR.DataType("audio"), 2), true, synth, nil, nil, 1, name, max,
    ARDOUR.TrackMode.Normal, true)
  return tl:front()
end

-- A region on every track that has something recorded: 0.5 s (`ms` long) bounced from the
-- (silent) track itself, so that Ardour writes a real source file and a real region; the
-- samples' make-media.py then puts audio with planted defects into those files. MIDI
-- regions get one note, so that their source is not empty.
local nil_proc = ARDOUR.LuaAPI.nil_proc()
local itt = ARDOUR.InterThreadInfo()
local function record(track, at_ms, ms)
  local at = math.floor(at_ms * 48)
  local bounced = track:bounce_range(0, math.floor((ms or 500) * 48), itt, nil_proc, false, track:name())
  local playlist = track:playlist()
  playlist:add_region(bounced, Temporal.timepos_t(at), 1, false)
  -- The playlist holds a copy of the bounced (whole-file) region: return that one.
  local region
  for r in playlist:region_list():iter() do region = r end
  local mr = region:to_midiregion()
  if not mr:isnil() then
    local model = mr:midi_source(0):model()
    local cmd = model:new_note_diff_command("add note")
    cmd:add(ARDOUR.LuaAPI.new_noteptr(1, Temporal.Beats(0, 0), Temporal.Beats(0, 240), 60, 100))
    model:apply_command(Session, cmd)
  end
  return region
end

record(audio("kick in"), 0)
record(audio("SNR top"), 0)
record(audio("hh"), 0)
record(audio("OH L"), 0)
record(audio("OH R"), 0)
record(audio("bass DI"), 0)
record(audio("gtr 1 "), 0)
record(audio("Acoustic", 2), 0)
record(midi("rhodes"), 0)
record(midi("synth pad"), 0)
record(audio("Lead vox"), 0)
-- A stem that stops before the song does.
record(audio("bv 2"), 0, 250)
-- The alternate take: the track is muted and so is its only region (nothing of it plays).
local old = audio("vox old take")
record(old, 20):set_muted(true)
-- Mute is a realtime control: ask the session to set it, then give the process thread time.
Session:set_control(old:mute_control(), 1, PBD.GroupControlDisposition.NoGroup)
ARDOUR.LuaAPI.usleep(500000)
-- A stray track with nothing on it.
audio("Audio 14")
local fx = Session:new_audio_route(2, 2, nil, 1, "verb", ARDOUR.PresentationInfo.Flag.AudioBus, max)

Session:save_state("", false, false, false, false, false)
close_session()
print("MESSY SESSION SAVED")
