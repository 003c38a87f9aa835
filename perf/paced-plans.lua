-- wrk script: GET /executions/<id>/plan at a steady offered rate, spread evenly over time.
--
--   wrk -t1 -c C -d Ns -s perf/paced-plans.lua URL -- <requests/s of this thread> <API key> <id> [<id> ...]
--
-- Before each request wrk asks delay() how long to wait; every call takes the thread's next slot
-- on a fixed schedule (1000 / rate ms apart, from a random phase), so the requests leave evenly
-- spaced whichever connection is free, and a connection is busy only while its request is served.
-- If the server falls behind, the slots pile up and delay() returns 0 (the load turns closed-loop
-- and the latencies show it). wrk times each request from its write to its answer.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } execlab_timespec;
  int clock_gettime(int clk, execlab_timespec *tp);
]]
local ts = ffi.new("execlab_timespec")
local function nowMs()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval, key, ids, nextId, slot = 1, "", {}, 0, nil

function init(args)
  interval = 1000 / tonumber(args[1])
  key = args[2]
  for i = 3, #args do ids[#ids + 1] = args[i] end
end

function delay()
  local now = nowMs()
  if slot == nil then slot = now + math.random() * interval end
  local wait = slot - now
  slot = slot + interval
  if wait < 0 then return 0 end
  return math.floor(wait + 0.5)
end

function request()
  nextId = nextId % #ids + 1
  return wrk.format("GET", "/executions/" .. ids[nextId] .. "/plan", { Authorization = "Bearer " .. key })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"durationUs":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
