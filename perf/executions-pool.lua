-- wrk script: whole executions through the API, closed loop, many connections per wrk thread.
--
--   wrk -t T -c C -d Ns -s perf/executions-pool.lua URL -- <API key> <horizon> <period> <T> <active> <id> [<id> ...]
--
-- The ids are executions opened beforehand with no bars; thread k takes ids k, k + T, k + 2T, ...
-- and keeps <active> of them running at a time (more than its connections, so that one is always
-- ready). Each execution has at most one request in flight: a request goes to an execution that is
-- ready, and the answer (every acknowledgement and plan names its executionId) makes it ready
-- again, so its bars arrive in order whichever connection carries them. The flow is that of
-- perf/serve.bench.mjs's autocannon scenario: for each bar, GET the plan, POST a fill of 10 shares
-- at each period's first bar, POST the bar; an execution at its horizon is replaced by the thread's
-- next one. When no execution is ready (or none is left), the thread sends GET /health instead,
-- counted as idle. Two client threads serve any number of connections, so the client takes little
-- of the machine's CPU from the server (an earlier script with one wrk thread per connection, so
-- that each connection's requests stayed in order, took 60 to 70% more).
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
local pool, nextInPool = {}, 1
local state = {}
local ready, head, tail = {}, 1, 0
local auth, json = nil, nil
-- Globals, so that done() can read them from each thread.
sent_plans, sent_bars, sent_fills, sent_idle = 0, 0, 0, 0

local function push(id)
  tail = tail + 1
  ready[tail] = id
end

-- Starts the thread's next execution, if any is left.
local function start()
  local id = pool[nextInPool]
  if id == nil then return end
  nextInPool = nextInPool + 1
  state[id] = { walk = common.walk(index * 7919 + nextInPool), step = 0, busy = false }
  push(id)
end

function init(args)
  key = args[1]
  horizon = tonumber(args[2])
  period = tonumber(args[3])
  local count = tonumber(args[4])
  local active = tonumber(args[5])
  for i = 5 + index, #args, count do pool[#pool + 1] = args[i] end
  auth = { Authorization = "Bearer " .. key }
  json = { Authorization = "Bearer " .. key, ["Content-Type"] = "application/json" }
  for _ = 1, active do start() end
end

local primed = false
function request()
  -- wrk may build a thread's first request before its connection is up and drop it; an idle
  -- request first keeps that from leaving an execution waiting for an answer that never comes.
  if not primed or head > tail then
    primed = true
    sent_idle = sent_idle + 1
    return wrk.format("GET", "/health")
  end
  local id = ready[head]
  ready[head] = nil
  head = head + 1
  local e = state[id]
  e.busy = true
  local path = "/executions/" .. id
  local walk = e.walk
  -- step 0: the plan; step 1: the fill (first bar of a period only); step 2: the bar.
  if e.step == 0 then
    e.step = (walk.bar % period == 0) and 1 or 2
    sent_plans = sent_plans + 1
    return wrk.format("GET", path .. "/plan", auth)
  elseif e.step == 1 then
    e.step = 2
    sent_fills = sent_fills + 1
    return wrk.format("POST", path .. "/fills", json,
      string.format('{"fills":[{"fillId":"f%d","bar":%d,"quantity":10,"price":%.6f}]}', walk.bar, walk.bar, walk.price))
  end
  e.step = 0
  sent_bars = sent_bars + 1
  local body = common.next_bar(walk)
  if walk.bar >= horizon then e.last = true end
  return wrk.format("POST", path .. "/bars", json, body)
end

function response(status, headers, body)
  report = report or common.reporter(tostring(index))
  report(status, headers, body)
  local id = body:match('"executionId":"([^"]+)"')
  local e = id and state[id]
  if not e or not e.busy then return end
  e.busy = false
  if e.last then
    state[id] = nil
    start()
  else
    push(id)
  end
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
