-- upvalue corner cases: closing on break/goto/return, loops, parameters

-- closure created in a while loop with break: each iteration gets its own variable
local fns = {}
local i = 1
while true do
  local j = i
  fns[#fns + 1] = function() return j end
  if i == 3 then break end
  i = i + 1
end
print(fns[1](), fns[2](), fns[3]())

-- backward goto closes the upvalue each time
fns = {}
do
  local k = 0
  ::top::
  local captured = k
  fns[#fns + 1] = function() captured = captured + 100 return captured end
  k = k + 1
  if k < 3 then goto top end
end
print(fns[1](), fns[1](), fns[2](), fns[3]())

-- closures capturing a parameter and modifying it
local function make(p)
  local function inc() p = p + 1 return p end
  local function get() return p end
  return inc, get
end
local inc, get = make(10)
inc() inc()
print(get())

-- generic for control variables are fresh per iteration
fns = {}
for k, v in pairs({a = 1}) do fns[1] = function() return k, v end end
for idx, val in ipairs({"x", "y"}) do fns[#fns + 1] = function() return idx, val end end
print(fns[1]())
print(fns[2]())
print(fns[3]())

-- an upvalue shared by closures created in different iterations stays shared
local shared = 0
fns = {}
for n = 1, 3 do fns[n] = function() shared = shared + n return shared end end
print(fns[1](), fns[2](), fns[3](), shared)

-- closing upvalues on return from a nested block
local function f()
  local results = {}
  for n = 1, 2 do
    local x = n * 10
    results[n] = function() x = x + 1 return x end
    if n == 2 then return results end
  end
end
local r = f()
print(r[1](), r[1](), r[2]())

-- upvalue of an upvalue modified from the innermost level
local function level1()
  local v = "L1"
  local function level2()
    local function level3() v = v .. "+L3" return v end
    return level3
  end
  return level2(), function() return v end
end
local l3, getv = level1()
l3() l3()
print(getv())

-- recursive closure referencing itself through an upvalue that is later reassigned
local function rec(n) return n end
local function caller(n) return rec(n) end
rec = function(n) return n * 2 end
print(caller(21))

-- closures in a repeat loop whose until references the captured local
fns = {}
local c = 0
repeat
  c = c + 1
  local mine = c
  fns[c] = function() return mine end
until mine >= 3
print(fns[1](), fns[2](), fns[3]())

-- a coroutine keeps the upvalues of its function alive
local gen
do
  local counter = 0
  gen = coroutine.wrap(function() while true do counter = counter + 1 coroutine.yield(counter) end end)
end
print(gen(), gen(), gen())

-- closures created by load share _ENV as their upvalue
local env = {val = 1}
local getter = load("return function() return val end", "env", "t", env)()
env.val = 2
print(getter())
