-- POST bodies read from a file (one JSON body per line), cycled per thread; the
-- bearer key comes from the WRK_BEARER environment variable.
-- Usage: wrk -s lua/bodies.lua URL -- BODIES_FILE
local bodies = {}
local n = 0
local i = 0
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      n = n + 1
      bodies[n] = line
    end
  end
  i = (offset or 0) % n
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_BEARER") or "wave_dev_key")
end

function request()
  i = i % n + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

dofile(os.getenv("WRK_DONE_LUA"))
