-- Golden snapshot: every kind of object, saved while the main chunk waits inside a
-- string.gsub callback (a native continuation) with a coroutine suspended in a yield.
local pause = coroutine.yield

-- Strings: short, long, with NULs and bytes >= 128.
local short, long = "hello", string.rep("0123456789", 20)
local odd = "a\0b\255c"

-- Tables: array and hash parts, integer/float/string/boolean keys, a cycle, metatables with
-- an __index chain, arithmetic and comparison metamethods and __close.
local base = {greet = function(self) return "hi " .. self.name end}
base.__index = base
local Point = setmetatable({}, {__index = base})
Point.__index = Point
Point.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y, name = "sum"}, Point) end
Point.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Point.__tostring = function(p) return "(" .. p.x .. "," .. p.y .. ")" end
local p1 = setmetatable({x = 1, y = 2, name = "p1"}, Point)
local p2 = setmetatable({x = 10.5, y = -3, name = "p2"}, Point)
local t = {1, 2.5, "three", true, [10] = "ten", [2.5] = "float key", [false] = "no", nested = {deep = {deeper = {}}}}
t.self = t
t[-1] = math.mininteger
t.huge = math.huge
t.nan_free = -0.0

-- Closures sharing an upvalue, a closure over a loop variable, varargs.
local function counter()
  local n = 0
  return function() n = n + 1 return n end, function() return n end
end
local inc, get = counter()
inc() inc()
local fns = {}
for i = 1, 3 do fns[i] = function() return i * 100 + get() end end
local function va(...) return select("#", ...), ... end

-- A coroutine suspended in a yield, inside a pcall inside a for loop.
local co = coroutine.create(function(a, b)
  local acc = a + b
  for i = 1, 3 do
    local ok, v = pcall(function() return coroutine.yield(acc + i) end)
    acc = acc + (v or 0)
  end
  return "co done", acc
end)
print("co", coroutine.resume(co, 1, 2))
print("co", coroutine.resume(co, 5))

-- Userdata from the host (registered type, saved through serde).
print("ud", ud:bump(2), ud.n, tostring(ud))

print("before", short, #long, #odd, tostring(p1 + p2), p1 == p2, p1:greet(), t[10], t[2.5], t[false])

-- The save point: inside the gsub callback for "b".
local r, n = string.gsub("abc", "%w", function(c)
  if c == "b" then pause("in gsub") end
  return c:upper() .. inc()
end)
print("gsub", r, n)

-- After the restore: everything is still there and works.
print("after", short, #long, odd == "a\0b\255c", tostring(p1 + p2), p1:greet(), t.self == t, t[-1], t.huge, 1 / t.nan_free)
print("closures", inc(), get(), fns[1](), fns[3](), va(nil, 2, nil))
print("co", coroutine.resume(co, 7))
print("co", coroutine.resume(co, 9))
print("co", coroutine.status(co), coroutine.resume(co))
print("ud", ud:bump(3), ud.n, tostring(ud))
