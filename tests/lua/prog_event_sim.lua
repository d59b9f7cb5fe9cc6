-- a discrete event simulation driven by coroutines and a virtual clock

local now = 0
local queue = {}
local log = {}
local seq = 0
local function schedule(t, co, ...)
  seq = seq + 1
  queue[#queue + 1] = {t = t, seq = seq, co = co, args = table.pack(...)}
end
local function sleep(dt) coroutine.yield("sleep", dt) end
local function emit(msg) log[#log + 1] = string.format("[%3d] %s", now, msg) end

local function spawn(name, fn, ...)
  local co = coroutine.create(fn)
  schedule(now, co, name, ...)
end

local function run_until(limit)
  while #queue > 0 do
    table.sort(queue, function(a, b) if a.t ~= b.t then return a.t < b.t end return a.seq < b.seq end)
    local ev = table.remove(queue, 1)
    if ev.t > limit then break end
    now = ev.t
    local ok, what, arg = coroutine.resume(ev.co, table.unpack(ev.args, 1, ev.args.n))
    if not ok then emit("crashed: " .. tostring(what))
    elseif what == "sleep" then schedule(now + arg, ev.co)
    end
  end
end

-- a bank with a shared resource
local tellers = 2
local waiting = {}
local function acquire(name)
  if tellers > 0 then tellers = tellers - 1 return end
  waiting[#waiting + 1] = coroutine.running()
  emit(name .. " waits")
  coroutine.yield("wait")
end
local function release()
  local nextc = table.remove(waiting, 1)
  if nextc then schedule(now, nextc) else tellers = tellers + 1 end
end

local function customer(name, arrive, service)
  sleep(arrive)
  emit(name .. " arrives")
  acquire(name)
  emit(name .. " served")
  sleep(service)
  emit(name .. " leaves")
  release()
end

spawn("c1", customer, 0, 5)
spawn("c2", customer, 1, 3)
spawn("c3", customer, 2, 4)
spawn("c4", customer, 3, 1)
spawn("c5", customer, 10, 2)
spawn("crash", function() sleep(7) error("oops", 0) end)
spawn("ticker", function() for i = 1, 4 do sleep(4) emit("tick " .. i) end end)
run_until(100)
for _, l in ipairs(log) do print(l) end
print("final time", now, "free tellers", tellers)
