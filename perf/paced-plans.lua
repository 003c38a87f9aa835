-- wrk script: GET /executions/<id>/plan at a steady offered rate, spread evenly over time.
--
--   wrk -t1 -c C -d Ns -s perf/paced-plans.lua URL -- <requests/s of this thread> <API key> <id> [<id> ...]
--
-- Before each request wrk asks delay() how long to wait; every call takes the thread's next slot
-- on a fixed schedule (perf/wrk-common.lua's pacer), so a connection is busy only while its
-- request is served. wrk times each request from its write to its answer.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("wrk-common")

local key, ids, nextId, pace = "", {}, 0, nil

function init(args)
  pace = common.pacer(tonumber(args[1]))
  key = args[2]
  for i = 3, #args do ids[#ids + 1] = args[i] end
end

function delay()
  return pace()
end

function request()
  nextId = nextId % #ids + 1
  return wrk.format("GET", "/executions/" .. ids[nextId] .. "/plan", { Authorization = "Bearer " .. key })
end

function done(summary, latency, requests)
  common.write_summary(summary, latency)
end
