-- What the wrk scripts of perf/serve.bench.mjs share: an even pace, the bench's random-walk bars,
-- a note of refused requests, and the summary line the bench reads. Loaded with
--   package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
--   local common = require("wrk-common")
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

local M = {}

-- A delay() for wrk at `rate` requests/s: every call takes the thread's next slot on a fixed
-- schedule (1000 / rate ms apart, from a random phase), so the requests leave evenly spaced
-- whichever connection is free. If the server falls behind, the slots pile up and it returns 0
-- (the load turns closed-loop and the latencies show it).
function M.pacer(rate)
  local interval, slot = 1000 / rate, nil
  return function()
    local now = nowMs()
    if slot == nil then slot = now + math.random() * interval end
    local wait = slot - now
    slot = slot + interval
    if wait < 0 then return 0 end
    return math.floor(wait + 0.5)
  end
end

-- A random-walk execution: { seed, price, bar }. next_bar(e) is the POST /bars body of its next bar
-- (the generator of perf/serve.bench.mjs's nextBar) and advances it.
function M.walk(seed)
  return { seed = seed, price = 10, bar = 0 }
end

function M.next_bar(e)
  e.seed = (e.seed * 1103515245 + 12345) % 2147483648
  local r = e.seed / 2147483648 - 0.5
  local open = e.price
  local close = math.max(1, open * (1 + 0.002 * r))
  local high = math.max(open, close) * 1.0005
  local low = math.min(open, close) * 0.9995
  e.price = close
  local body = string.format('{"bars":[{"index":%d,"open":%.6f,"high":%.6f,"low":%.6f,"close":%.6f,"volume":%d}]}',
    e.bar, open, high, low, close, 10000 + math.floor(40000 * (r + 0.5)))
  e.bar = e.bar + 1
  return body
end

-- A response() that writes the first three refused answers of this thread to stderr (the bench
-- echoes them), labelled `label`.
function M.reporter(label)
  local reported = 0
  return function(status, headers, body)
    if status >= 300 and reported < 3 then
      reported = reported + 1
      io.stderr:write(string.format("thread %s: HTTP %d %s\n", label, status, body))
    end
  end
end

-- The summary line the bench reads: WRK {json}, with `extra` (a string of ',"name":value' pairs).
function M.write_summary(summary, latency, extra)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"durationUs":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, extra or ""))
end

return M
