-- GET requests cycling over paths read from a file (one path per line).
-- Usage: wrk -s lua/paths.lua URL -- PATHS_FILE
local paths = {}
local n = 0
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      n = n + 1
      paths[n] = line
    end
  end
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_BEARER") or "wave_dev_key")
end

function request()
  i = i % n + 1
  return wrk.format("GET", paths[i])
end

dofile(os.getenv("WRK_DONE_LUA"))
