-- `pcall(f, ...)` called from Lua (made without running the native, see
-- `vm::callback::pcall_at_call`, and its results delivered in place, `exec::pcall_returned`):
-- every kind of callee, result count and error, nested, in coroutines, at the C-call bound.

local function none() end
local function one(x) return x end
local function many(...) return ... end
print(pcall(none))
print(pcall(one, 1))
print(pcall(many, 1, nil, 3, nil))
print(select("#", pcall(many)), select("#", pcall(many, nil, nil)))
local t = { pcall(many, "a", "b", "c") }
print(#t, t[1], t[2], t[4])
local ok, a, b = pcall(many, 10, 20, 30)
print(ok, a, b)
local s = 0
for i = 1, 1000 do
  local ok2, v = pcall(one, i)
  if ok2 then s = s + v end
end
print(s)

-- Errors: raised by Lua, by natives, non-callables, __call.
print(pcall(error, "boom"))
print(select(2, pcall(error, { code = 1 })).code)
print(pcall(function() error("lua boom") end))
print(pcall(function() error("no position", 0) end))
print(pcall(function() local x = nil; return x.y end))
print(pcall(nil))
print(pcall(42, 1))
print(pcall(setmetatable({}, { __call = function(self, x) return "called", x end }), 7))
print(pcall(print, "printed"))
print(pcall(string.rep, "ab", 3))
print(pcall(pcall))
print(pcall(pcall, error, "inner"))
print(select("#", pcall(error)))

-- Nested pcalls and errors crossing levels.
local function depth(n)
  if n == 0 then error("bottom") end
  local ok3, e = pcall(depth, n - 1)
  return "level " .. n .. ": " .. tostring(ok3) .. " " .. tostring(e)
end
print(pcall(depth, 3))

-- The C-call bound: nested pcalls (not tail calls) until "C stack overflow".
local count = 0
local function nest()
  count = count + 1
  local ok4, e = pcall(nest)
  if not ok4 then return e end
  return e
end
local msg = nest()
print(count > 150, msg)

-- In coroutines: yields across pcall, errors after a resume.
local co = coroutine.wrap(function(x)
  local ok5, y = pcall(function(v)
    local r = coroutine.yield(v + 1)
    if r == "fail" then error("failed after resume") end
    return r * 2
  end, x)
  local ok6, e = pcall(function() coroutine.yield("second") error("again") end)
  return ok5, y, ok6, e
end)
print(co(1))
print(co(21))
print(co())

-- pcall as a value passed around, and results used in expressions.
local p = pcall
print(p(one, "through a local"))
print((pcall(one, "first only")))
print(#{ pcall(many, 1, 2, 3) } + select(2, pcall(one, 10)))

-- A redefined global `pcall` is just a function.
local real = pcall
pcall = function(f, ...) return "mine", f(...) end
print(pcall(one, 5))
pcall = real
print(pcall(one, 6))

-- Closing to-be-closed variables on the way out of a pcall'd function.
do
  local log = {}
  local ok7, e = pcall(function()
    local c <close> = setmetatable({}, { __close = function(_, err) log[#log + 1] = "closed: " .. tostring(err) end })
    error("with close")
  end)
  print(ok7, e, log[1])
end
