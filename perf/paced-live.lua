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
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("wrk-common")

local key, every, horizon, pace = "", 10, 0, nil
local ids, walks = {}, {}
local sent, nextPlan, nextBar = 0, 0, 0

function init(args)
  pace = common.pacer(tonumber(args[1]))
  key = args[2]
  every = tonumber(args[3])
  horizon = tonumber(args[4])
  for i = 5, #args do
    ids[#ids + 1] = args[i]
    walks[#ids] = common.walk(#ids * 7919)
  end
end

function delay()
  return pace()
end

function request()
  sent = sent + 1
  if sent % every == 0 then
    -- the next execution that still takes bars
    for _ = 1, #ids do
      nextBar = nextBar % #ids + 1
      if walks[nextBar].bar < horizon then
        return wrk.format("POST", "/executions/" .. ids[nextBar] .. "/bars",
          { Authorization = "Bearer " .. key, ["Content-Type"] = "application/json" }, common.next_bar(walks[nextBar]))
      end
    end
  end
  nextPlan = nextPlan % #ids + 1
  return wrk.format("GET", "/executions/" .. ids[nextPlan] .. "/plan", { Authorization = "Bearer " .. key })
end

response = common.reporter("1")

function done(summary, latency, requests)
  common.write_summary(summary, latency)
end
