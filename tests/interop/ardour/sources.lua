-- sources.lua: the file every region of a session plays, as headless Ardour 7 loaded it, for
-- tests/interop/ardour/media.py.
--   ardour7-lua sources.lua SESSION_DIR SNAPSHOT_NAME
-- Records: SOURCE <track> <region> <channel> <path>, where <path> is the file source's path
-- as Ardour resolved it: absolute when Ardour found the file (in the session's interchange
-- folder or on its search path), the bare name as written when it did not (a missing source
-- is loaded as silence: the session itself still loads).
-- Exit 0 = loaded, 2 = the session did not load.
local dir, snap = arg[1], arg[2] or ""
local s = load_session(dir, snap)
if not s then print("LOAD FAILED"); os.exit(2) end
for r in Session:get_routes():iter() do
  local t = r:to_track()
  if not t:isnil() then
    for reg in t:playlist():region_list():iter() do
      local ar = reg:to_audioregion()
      local n = ar:isnil() and 1 or ar:n_channels()
      for i = 0, n - 1 do
        local fs = reg:source(i):to_filesource()
        if not fs:isnil() then
          print(string.format("SOURCE\t%s\t%s\t%d\t%s", r:name(), reg:name(), i, fs:path()))
        end
      end
    end
  end
end
close_session()
