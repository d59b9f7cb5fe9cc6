-- garbage collection: weak tables and finalizers after a full collectgarbage()
-- (only states right after a full collection are compared)

-- weak values
local cache = setmetatable({}, {__mode = "v"})
cache.keep = {}
local strong = cache.keep
cache.drop = {}
cache.str = "strings are values, never collected from weak tables"
cache.num = 42
collectgarbage()
print(cache.keep == strong, cache.drop, cache.str ~= nil, cache.num)

-- weak keys
local wk = setmetatable({}, {__mode = "k"})
local k1 = {}
wk[k1] = "alive"
wk[{}] = "dead"
collectgarbage()
local n = 0
for k, v in pairs(wk) do n = n + 1 end
print(n, wk[k1])

-- ephemeron: value refers to its own key
local eph = setmetatable({}, {__mode = "k"})
do
  local key = {}
  eph[key] = {ref = key}
end
collectgarbage()
print(next(eph) == nil)

-- finalizers run on collection
local log = {}
do
  setmetatable({}, {__gc = function() log[#log + 1] = "gc A" end})
end
collectgarbage()
print(table.concat(log, " "))

-- finalizers run in reverse order of marking for objects collected together
log = {}
-- (made in a function, whose registers go when it returns: an automatic collection may come
-- at any point, and must find all three alive or all three dead)
local function make3()
  local keep = {}
  for i = 1, 3 do keep[i] = setmetatable({}, {__gc = function() log[#log + 1] = "gc" .. i end}) end
  return keep
end
make3()
collectgarbage()
print(table.concat(log, " "))

-- a __gc field added after setmetatable does not mark the object for finalization
log = {}
do
  local mt = {}
  setmetatable({}, mt)
  mt.__gc = function() log[#log + 1] = "late gc" end
end
collectgarbage()
print("late:", #log)

-- resurrection: the finalizer can store the object
local saved
do
  setmetatable({name = "phoenix"}, {__gc = function(o) saved = o end})
end
collectgarbage()
print(saved and saved.name)

-- reachable objects are not collected
local live = setmetatable({}, {__gc = function() print("live object finalized after release") end})
collectgarbage()
print("live object still here", type(live))
live = nil
collectgarbage()

-- weak tables with both modes
local both = setmetatable({}, {__mode = "kv"})
both[1] = {}
both[{}] = 1
both.x = "x"
collectgarbage()
local cnt = 0
for _ in pairs(both) do cnt = cnt + 1 end
print("kv entries", cnt)

-- objects still referenced from the stack survive
local function survivor()
  local t = setmetatable({}, {__mode = "v"})
  local obj = {}
  t[1] = obj
  collectgarbage()
  return t[1] == obj
end
print(survivor())

-- finalizer of an object alive at the end runs when the state closes
_G.at_exit = setmetatable({}, {__gc = function() print("finalized at exit") end})
print("end of script")
