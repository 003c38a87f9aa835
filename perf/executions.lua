-- wrk script: whole executions through the API, closed loop, one connection per wrk thread.
--
--   wrk -t C -c C -d Ns -s perf/executions.lua URL -- <API key> <horizon> <period> <C> <id> [<id> ...]
--
-- The ids are executions opened beforehand with no bars; thread k runs ids k, k + C, k + 2C, ...
-- one after the other. For each bar of an execution it sends GET /executions/<id>/plan, a fill of
-- 10 shares at each period's first bar (POST /fills), then the bar (POST /bars): the flow of
-- perf/serve.bench.mjs's autocannon scenario. With one connection per thread each thread's requests
-- are answered in the order they were sent, so an execution's bars arrive in order. A thread that
-- runs out of executions polls the last one's plan until the end (not counted as the flow: the
-- summary says how many answers were not 2xx and how many requests each kind sent).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("wrk-common")

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

local key, horizon, period = "", 0, 0
local mine, current, step, walk = {}, 1, 0, nil
-- Globals, so that done() can read them from each thread.
sent_plans, sent_bars, sent_fills, sent_idle = 0, 0, 0, 0

function init(args)
  key = args[1]
  horizon = tonumber(args[2])
  period = tonumber(args[3])
  local count = tonumber(args[4])
  local all = {}
  for i = 5, #args do all[#all + 1] = args[i] end
  for i = index, #all, count do mine[#mine + 1] = all[i] end
  walk = common.walk(index * 7919)
end

local primed = false
function request()
  local id = mine[current]
  -- wrk may build the first request of thread 1 before its connection is up and drop it; an
  -- idempotent plan request first keeps that from costing the flow its first plan.
  if not primed and id ~= nil then
    primed = true
    return wrk.format("GET", "/executions/" .. id .. "/plan", { Authorization = "Bearer " .. key })
  end
  if id == nil then
    sent_idle = sent_idle + 1
    return wrk.format("GET", "/executions/" .. mine[#mine] .. "/plan", { Authorization = "Bearer " .. key })
  end
  local path = "/executions/" .. id
  local json = { Authorization = "Bearer " .. key, ["Content-Type"] = "application/json" }
  -- step 0: the plan; step 1: the fill (first bar of a period only); step 2: the bar.
  if step == 0 then
    step = (walk.bar % period == 0) and 1 or 2
    sent_plans = sent_plans + 1
    return wrk.format("GET", path .. "/plan", { Authorization = "Bearer " .. key })
  elseif step == 1 then
    step = 2
    sent_fills = sent_fills + 1
    return wrk.format("POST", path .. "/fills", json,
      string.format('{"fills":[{"fillId":"f%d","bar":%d,"quantity":10,"price":%.6f}]}', walk.bar, walk.bar, walk.price))
  end
  step = 0
  sent_bars = sent_bars + 1
  local body = common.next_bar(walk)
  if walk.bar >= horizon then
    current = current + 1
    walk.bar, walk.price = 0, 10
  end
  return wrk.format("POST", path .. "/bars", json, body)
end

function response(status, headers, body)
  report = report or common.reporter(tostring(index))
  report(status, headers, body)
end

function done(summary, latency, requests)
  local plans, bars, fills, idle = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    plans = plans + t:get("sent_plans")
    bars = bars + t:get("sent_bars")
    fills = fills + t:get("sent_fills")
    idle = idle + t:get("sent_idle")
  end
  common.write_summary(summary, latency, string.format(',"plans":%d,"bars":%d,"fills":%d,"idle":%d', plans, bars, fills, idle))
end
