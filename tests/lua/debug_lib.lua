-- The debug library of the standalone profile.
local function show(t, keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. tostring(t[k]) end
  print(table.concat(out, " "))
end

local function f(a, b, ...)
  local x = a + b
  local info = debug.getinfo(1, "Slnu")
  show(info, {"source", "short_src", "what", "linedefined", "lastlinedefined",
              "currentline", "name", "namewhat", "nups", "nparams", "isvararg"})
  print(debug.getlocal(1, 1), debug.getlocal(1, 2), debug.getlocal(1, 3))
  print(debug.getlocal(1, -1), debug.getlocal(1, -2), debug.getlocal(1, -3))
  print(debug.setlocal(1, 3, 100), x)
  return x
end
f(1, 2, "va1", "va2")
local t = { m = f }
t.m(3, 4)

show(debug.getinfo(print), {"source", "short_src", "what", "linedefined", "currentline", "nups", "isvararg"})
show(debug.getinfo(1, "S"), {"what", "short_src", "linedefined"})
print(debug.getinfo(f, "f").func == f, debug.getinfo(1, "t").istailcall)
print(debug.getinfo(100), pcall(debug.getinfo, 1, "X"), pcall(debug.getinfo, {}))
print(pcall(debug.getinfo, 1, ">S"))
print(debug.getlocal(f, 1), debug.getlocal(f, 2), debug.getlocal(f, 3))
print(pcall(debug.getlocal, 50, 1))

local function g() return debug.getinfo(2, "n") end
local function caller() local r = g(); return r end
show(caller(), {"name", "namewhat"})
print(select(2, pcall(function() return debug.getinfo(2, "n").name end)))
local lines = debug.getinfo(f, "L").activelines
print(lines[9], lines[16], lines[8], lines[100])

-- upvalues
local u1, u2 = 10, 20
local function h() return u1 + u2 end
local function k() return u2 end
print(debug.getupvalue(h, 1), debug.getupvalue(h, 2), debug.getupvalue(h, 3))
print(debug.setupvalue(h, 1, 5), u1, h())
-- (upvalueid identities are not compared here: they are not kept across snapshots)
print(debug.upvalueid(h, 3), pcall(debug.upvalueid, 1, 1))
debug.upvaluejoin(k, 1, h, 1)
print(k(), debug.setupvalue(k, 1, 7), h())
print(pcall(debug.upvaluejoin, k, 2, h, 1))
print(pcall(debug.upvaluejoin, print, 1, h, 1))
print(debug.getupvalue(print, 1))

-- metatables of any type
local mt = { __index = function(_, key) return key * 2 end }
print(debug.setmetatable(10, mt), (7)[3])
print(debug.getmetatable(1) == mt)
debug.setmetatable(1, nil)
print(getmetatable(1))
local prot = setmetatable({}, { __metatable = "locked" })
print(getmetatable(prot), type(debug.getmetatable(prot)))
print(type(debug.getregistry()))

-- coroutines
local co = coroutine.create(function(p)
  local inside = p * 2
  coroutine.yield(inside)
end)
coroutine.resume(co, 21)
print(debug.getlocal(co, 1, 1), debug.getlocal(co, 1, 2))
show(debug.getinfo(co, 1, "Sl"), {"what", "currentline"})
print(debug.sethook(), debug.gethook())

-- levels seen from __close handlers while an error unwinds: the erroring function is gone
local function func2close(fn) return setmetatable({}, { __close = fn }) end
local function closing()
  local a <close> = func2close(function(_, msg)
    print("a", debug.getinfo(2, "n").name, msg)
  end)
  local b <close> = func2close(function(_, msg)
    print("b", debug.getinfo(2, "n").name, msg)
    error("from b", 0)
  end)
  error("original", 0)
end
print(pcall(closing))
local function closing_ok()
  local c <close> = func2close(function(_, msg)
    print("c", debug.getinfo(2, "S").what, msg)
  end)
  return 1
end
print(closing_ok())

-- debug.setcstacklimit: deprecated, changes nothing, answers the C-call limit
print(debug.setcstacklimit(100), debug.setcstacklimit(1000))
print(pcall(debug.setcstacklimit, "x"))
print(select("#", pcall(debug.setcstacklimit)))
