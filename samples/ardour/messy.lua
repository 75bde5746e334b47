-- messy.lua: fills a fresh Ardour session with the kind of track list premix tidies up:
-- inconsistent names, default colours, a muted alternate take, an effects bus and a stray
-- empty track. Run by make.sh in headless Ardour 7 (ardour7-lua).
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

audio("kick in")
audio("SNR top")
audio("hh")
audio("OH L")
audio("OH R")
audio("bass DI")
audio("gtr 1 ")
audio("Acoustic", 2)
midi("rhodes")
midi("synth pad")
audio("Lead vox")
audio("bv 2")
local old = audio("vox old take")
-- Mute is a realtime control: ask the session to set it, then give the process thread time.
Session:set_control(old:mute_control(), 1, PBD.GroupControlDisposition.NoGroup)
ARDOUR.LuaAPI.usleep(500000)
audio("Audio 14")
local fx = Session:new_audio_route(2, 2, nil, 1, "verb", ARDOUR.PresentationInfo.Flag.AudioBus, max)

Session:save_state("", false, false, false, false, false)
close_session()
