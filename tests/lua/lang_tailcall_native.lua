-- tail calls to native functions: results, callers wanting fixed counts, natives that call
-- Lua or yield, errors, varargs frames

local function none() return print() end
local function one(s) return string.upper(s) end
local function many(t) return table.unpack(t) end
local function sel(...) return select('#', ...) end
local function selv(n, ...) return select(n, ...) end

print(none())
print(one("abc"), (one("x")))
print(many({1, 2, 3, nil, 5}))
local a, b = many({10, 20, 30})
print(a, b)
local x, y, z, w = many({"p"})
print(x, y, z, w)
print(sel(1, nil, 3, nil))
print(selv(2, "a", "b", "c"))
print(select('#', many({})))

-- a big result list from a tail-called native
local big = {}
for i = 1, 500 do big[i] = i end
local function spread() return table.unpack(big) end
local r = {spread()}
print(#r, r[1], r[500])
print(select('#', spread()))

-- natives that call Lua from tail position
local T = setmetatable({}, {__tostring = function() return "T!" end})
local function ts() return tostring(T) end
print(ts())
local function pc(f, ...) return pcall(f, ...) end
print(pc(function(u, v) return u + v, u * v end, 3, 4))
print(pc(error, "boom", 0))
local okc, ec = pc(function() error({code = 7}) end)
print(okc, type(ec), ec.code)
local function srt(t) return table.sort(t, function(p, q) return p > q end) end
local t = {3, 1, 4, 1, 5, 9, 2, 6}
print(srt(t))
print(table.concat(t, " "))
local function gs(s) return string.gsub(s, "%w+", function(w) return w:upper() end) end
print(gs("hello tail world"))

-- varargs frames (results copied down to the frame's function slot)
local function va(...)
  local n = select('#', ...)
  return math.max(n, ...)
end
print(va(3, 9, 2), va(1))
local function va2(...) return string.format("%d-%s", ...) end
print(va2(42, "x", "ignored"))

-- errors raised by a tail-called native
local function bad() return string.rep() end
print(pcall(bad))
local function bad2(v) return math.floor(v) end
print(pcall(bad2, "nope"))
local function bad3() return error("tail error") end
print(pcall(bad3))
print(select(2, xpcall(bad3, function(m) return "handled: " .. m end)))

-- a tail-called native that yields
local co = coroutine.wrap(function(v)
  local function y(...) return coroutine.yield(...) end
  local got = y(v, v + 1)
  print("resumed with", got)
  local a2, b2 = y()
  print("again", a2, b2)
  return "end"
end)
print(co(1))
print(co("first"))
print(co("p", "q"))

local co2 = coroutine.create(function()
  local function yy() return coroutine.yield("in tail") end
  return yy()
end)
print(coroutine.resume(co2))
print(coroutine.resume(co2, "out", "of", "tail"))
print(coroutine.status(co2))

-- in a loop, so the fast path runs many times
local acc = 0
local function abs_of(v) return math.abs(v) end
for i = -1000, 1000 do acc = acc + abs_of(i) end
print(acc)
local function mk(i) return setmetatable({i = i}, {__index = function(_, k) return k end}) end
local s = 0
for i = 1, 1000 do s = s + mk(i).i end
print(s, mk(1).anything)

-- the traceback of an error in a tail-called native names the tail call
local ok, tb = xpcall(function()
  local function inner() return error("deep") end
  return inner()
end, debug.traceback)
print(ok, (tb:gsub("\n.*", "")))
