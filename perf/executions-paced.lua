-- wrk script: whole executions through the API (perf/executions-pool.lua's flow: per bar GET the
-- plan, a fill at each period's first bar, POST the bar; each execution with at most one request in
-- flight) at a steady offered rate per wrk thread, spread evenly over time.
--
--   wrk -t T -c C -d Ns -s perf/executions-paced.lua URL -- <requests/s of each thread> <API key> <horizon> <period> <T> <active> <id> [<id> ...]
--
-- Pacing as in perf/paced-plans.lua (each request takes the thread's next slot of a fixed schedule),
-- so the latencies are those of the target load, not of a saturated closed loop.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local common = require("wrk-common")
dofile(dir .. "executions-pool.lua")

local pace = nil
local poolInit = init

function init(args)
  pace = common.pacer(tonumber(args[1]))
  poolInit({ (table.unpack or unpack)(args, 2) }) -- LuaJIT (wrk) has unpack, Lua 5.2+ table.unpack
end

function delay()
  return pace()
end
