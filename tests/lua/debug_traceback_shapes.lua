-- debug.traceback and xpcall(debug.traceback) for many stack shapes: names of locals, globals,
-- fields, methods, upvalues, metamethods, iterators, natives, tail calls, level skipping.
local function rec(n) if n == 0 then error("deep") end return (rec(n-1)) end
print(xpcall(rec, debug.traceback, 30))
local function rec2(n) if n == 0 then return debug.traceback("tb", 1) end local r = rec2(n-1) return r end
print(rec2(25))
print(rec2(19))
print(rec2(20))
print(rec2(21))
local mt = {__index = function(t, k) return debug.traceback(k) end,
            __add = function(a, b) return debug.traceback("add") end,
            __lt = function(a, b) error("lt!") end,
            __call = function(self, x) return debug.traceback("call " .. x) end,
            __concat = function(a, b) return debug.traceback("cc") end,
            __len = function() return debug.traceback("len") end,
            __eq = function() print(debug.traceback("eq")) return true end,
            __unm = function() return debug.traceback("unm") end,
            __close = function() print(debug.traceback("close")) end}
local obj = setmetatable({}, mt)
print(obj.foo)
print(obj + 1)
print(obj("x"))
print(obj .. "s")
print(#obj)
print(-obj)
print(obj == setmetatable({}, mt))
print(pcall(function() return obj < obj end))
print(xpcall(function() return obj < obj end, debug.traceback))
do local c <close> = obj end
for i, v in function(s, i) if not i then print(debug.traceback("iter")) return 1, 1 end end do end
local co = coroutine.wrap(function() print(debug.traceback("in co")); coroutine.yield(); error("co err") end)
co()
print(pcall(co))
local co2 = coroutine.create(function(a) local x = a + nil end)
print(coroutine.resume(co2, 1))
print(debug.traceback(co2))
print(debug.traceback(co2, "msg", 0))
print(debug.traceback("lvl0", 0))
print(debug.traceback("lvlneg", -1))
print(debug.traceback("lvl big", 50))
print(select(2, xpcall(function() local t = nil; return t.x end, function(m) return debug.traceback(m, 1) end)))
print(select(2, xpcall(function() local t = nil; return t.x end, function(m) return debug.traceback(m, 2) end)))
print(select(2, xpcall(function() error("e1") end, function(m) return debug.traceback(m) end)))
print(select(2, xpcall(function() string.rep() end, debug.traceback)))
print(select(2, xpcall(function() ("x"):rep({}) end, debug.traceback)))
print(select(2, xpcall(function() return math.floor("a") end, debug.traceback)))
print(select(2, xpcall(function() return require("nonexistent_mod_x") end, function(m) return debug.traceback("req") end)))
print(select(2, pcall(error)))
print(select(2, xpcall(error, debug.traceback, "direct")))
print(select(2, xpcall(table.sort, debug.traceback, {3,2,1}, function(a, b) error("cmp") end)))
print(select(2, xpcall(string.gsub, debug.traceback, "abc", "%w", function(c) error("gs") end)))
print(select(2, xpcall(load("local x = ... ; error(x)", "=mychunk"), debug.traceback, "ld")))
print(select(2, xpcall(load("local x = ... ; error(x)", "@file.lua"), debug.traceback, "ld")))
print(select(2, xpcall(load("error('s', 2)", "str chunk"), debug.traceback, "ld")))
local t = {a = {b = {}}}
function t.a.b.c() error("nested") end
function t.a.b:m() error("meth") end
print(select(2, xpcall(function() t.a.b.c() end, debug.traceback)))
print(select(2, xpcall(function() t.a.b:m() end, debug.traceback)))
function globalfn() error("g") end
print(select(2, xpcall(function() globalfn() end, debug.traceback)))
local alias = globalfn
print(select(2, xpcall(function() alias() end, debug.traceback)))
print(select(2, xpcall(function() return globalfn() end, debug.traceback)))
print(select(2, xpcall(function() local a = {} ; a[1] = function() error("idx") end; a[1]() end, debug.traceback)))
print(select(2, xpcall(function() print(tostring(setmetatable({}, {__tostring = function() error("ts") end}))) end, debug.traceback)))
print(select(2, xpcall(function() return pcall(error) end, debug.traceback)))
print(select(2, xpcall(function() coroutine.wrap(function() error("inwrap") end)() end, debug.traceback)))
