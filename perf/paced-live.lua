-- wrk script: a live desk's load at a steady offered rate, spread evenly over time: plan requests,
-- with a bar post in place of every k-th request, over the same open executions.
--
--   wrk -t1 -c C -d Ns -s perf/paced-live.lua URL -- <requests/s> <API key> <k> <horizon> <id> [<id> ...]
--
-- Pacing as in perf/paced-plans.lua (each request takes the next slot of a fixed schedule). Plans
-- and bars go round the executions in turn, so an execution's next bar is posted only after a bar
-- for every other execution: with hundreds of executions that is far longer than any answer takes,
-- so its bars arrive in order (one that did not would be refused, 409, and counted as non-2xx).
-- An execution stops taking bars at its horizon; its plans are still asked for.
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

local interval, key, every, horizon, slot = 1, "", 10, 0, nil
local ids, bars, prices, seeds = {}, {}, {}, {}
local sent, nextPlan, nextBar = 0, 0, 0

function init(args)
  interval = 1000 / tonumber(args[1])
  key = args[2]
  every = tonumber(args[3])
  horizon = tonumber(args[4])
  for i = 5, #args do
    ids[#ids + 1] = args[i]
    bars[#ids], prices[#ids], seeds[#ids] = 0, 10, (#ids) * 7919
  end
end

function delay()
  local now = nowMs()
  if slot == nil then slot = now + math.random() * interval end
  local wait = slot - now
  slot = slot + interval
  if wait < 0 then return 0 end
  return math.floor(wait + 0.5)
end

local function barBody(e)
  seeds[e] = (seeds[e] * 1103515245 + 12345) % 2147483648
  local r = seeds[e] / 2147483648 - 0.5
  local open = prices[e]
  local close = math.max(1, open * (1 + 0.002 * r))
  local high = math.max(open, close) * 1.0005
  local low = math.min(open, close) * 0.9995
  prices[e] = close
  return string.format('{"bars":[{"index":%d,"open":%.6f,"high":%.6f,"low":%.6f,"close":%.6f,"volume":%d}]}',
    bars[e], open, high, low, close, 10000 + math.floor(40000 * (r + 0.5)))
end

function request()
  sent = sent + 1
  if sent % every == 0 then
    -- the next execution that still takes bars
    for _ = 1, #ids do
      nextBar = nextBar % #ids + 1
      if bars[nextBar] < horizon then
        local body = barBody(nextBar)
        bars[nextBar] = bars[nextBar] + 1
        return wrk.format("POST", "/executions/" .. ids[nextBar] .. "/bars",
          { Authorization = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
      end
    end
  end
  nextPlan = nextPlan % #ids + 1
  return wrk.format("GET", "/executions/" .. ids[nextPlan] .. "/plan", { Authorization = "Bearer " .. key })
end

local reported = 0
function response(status, headers, body)
  if status >= 300 and reported < 3 then
    reported = reported + 1
    io.stderr:write(string.format("thread 1: HTTP %d %s\n", status, body))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"durationUs":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
