-- dump.lua: what headless Ardour 7 loads from a session, one tab-separated record per line,
-- for tests/interop/ardour/check.py.
--   ardour7-lua dump.lua SESSION_DIR SNAPSHOT_NAME
-- Records:
--   GROUP <name> <rgba hex>
--   ROUTE <id> <kind> <name> <rgba hex> <group or -> <muted 0/1> <outputs> <order>
-- where <outputs> is "port=>conn|conn;port=>..." over the route's output ports (audio and midi)
-- and <order> the route's presentation order.
--   MIXER <id> <fader gain> <pan azimuth or -> <region gains>
-- the route's fader (linear), its pan (0 left .. 0.5 centre .. 1 right) and the gain
-- (scale-amplitude) of every audio region of its playlist, comma-separated, in playlist order.
-- Exit 0 = loaded, 2 = the session did not load.
local dir, snap = arg[1], arg[2] or ""
local s = load_session(dir, snap)
if not s then print("LOAD FAILED"); os.exit(2) end

local PI = ARDOUR.PresentationInfo.Flag
local function kind(r)
  if r:is_master() then return "master" end
  if r:is_monitor() then return "monitor" end
  local t = r:to_track()
  if not t:isnil() then
    if not t:to_midi_track():isnil() then return "midi-track" end
    return "audio-track"
  end
  local f = r:presentation_info_ptr():flags()
  if PI.FoldbackBus and (f & PI.FoldbackBus) ~= 0 then return "foldback-bus" end
  if (f & PI.MidiBus) ~= 0 then return "midi-bus" end
  return "audio-bus"
end

-- Engine port names are "<client>:<port>"; Port:get_connections is not bound in 7.3.
local eng = Session:engine()
local full, client = {}, nil
for _, dt in ipairs({ "audio", "midi" }) do
  local _, t = eng:get_backend_ports("", ARDOUR.DataType(dt), 0, C.StringVector())
  for n in t[4]:iter() do
    local c, short = n:match("^([^:]+):(.*)$")
    if c and c ~= "system" then full[short] = n; client = c end
  end
end
local function strip(n)
  if client and n:sub(1, #client + 1) == client .. ":" then return n:sub(#client + 2) end
  return n
end
local function outputs(io)
  local out = {}
  for i = 0, io:n_ports():n_total() - 1 do
    local p = io:nth(i)
    local cs = {}
    local _, t = eng:get_connections(full[p:name()] or p:name(), C.StringVector())
    for c in t[2]:iter() do cs[#cs + 1] = strip(c) end
    table.sort(cs)
    out[#out + 1] = p:name() .. "=>" .. table.concat(cs, "|")
  end
  return table.concat(out, ";")
end

local group_of = {}
for g in Session:route_groups():iter() do
  for m in g:route_list():iter() do group_of[m:to_stateful():id():to_s()] = g:name() end
  print(string.format("GROUP\t%s\t%08x", g:name(), g:rgba()))
end
for r in Session:get_routes():iter() do
  local id = r:to_stateful():id():to_s()
  print(string.format("ROUTE\t%s\t%s\t%s\t%08x\t%s\t%d\t%s\t%d", id, kind(r), r:name(),
    r:presentation_info_ptr():color(), group_of[id] or "-", r:muted() and 1 or 0, outputs(r:output()),
    r:presentation_info_ptr():order()))
  local az = r:pan_azimuth_control()
  local gains = {}
  local t = r:to_track()
  if not t:isnil() then
    for region in t:playlist():region_list():iter() do
      local ar = region:to_audioregion()
      if not ar:isnil() then gains[#gains + 1] = string.format("%.9g", ar:scale_amplitude()) end
    end
  end
  print(string.format("MIXER\t%s\t%.9g\t%s\t%s", id, r:gain_control():get_value(),
    az:isnil() and "-" or string.format("%.9g", az:get_value()), table.concat(gains, ",")))
end
close_session()
