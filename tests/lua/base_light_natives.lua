-- Library functions without bound values (light natives): identity, type, names, calls.
local p1 = tostring(print)
local f1 = string.format("%p", string.rep)
print(type(print), type(string.rep), type(coroutine.wrap(function() end)))
print(print == print, print == io and io.write, rawequal(next, next))
print(select(1, pairs({})) == next, select(1, ipairs({})) == select(1, ipairs({1})))
print(tostring(print):match("^function: 0x%x+$") ~= nil)
print(string.format("%p", print) == tostring(print):sub(11))
print(tostring(print) ~= tostring(string.rep), tostring(print) ~= tostring(error))

-- as table keys
local names = {}
for k, v in pairs(string) do names[v] = k end
print(names[string.rep], names[string.format], names[string.len])
local t = {[print] = 1, [error] = 2}
t[print] = t[print] + 10
print(t[print], t[error], t[type])

-- calls: direct, pcall, xpcall, metamethods, iterators, tail calls
print(pcall(type, 1))
print(select("#", pcall(print)))
print(xpcall(error, tostring, "boom", 0))
local mt = setmetatable({}, {__index = rawget, __call = rawequal})
print(mt(mt), mt(1), mt.x)
local proxy = setmetatable({}, {__index = string.upper})
print(pcall(function() return proxy.x end))
for i, v in ipairs({"a", "b"}) do io.write(i, v, " ") end print()
local function tail(...) return select("#", ...) end
print(tail(1, nil, 3))
print((function(...) return math.max(...) end)(3, 9, 4))

-- errors and tracebacks name them
print(pcall(string.rep))
print(pcall(table.insert, {}, 1, 2, 3))
print(select(2, pcall(error, "msg", 1)))
local ok, tb = xpcall(error, debug.traceback, "x")
print(tb:match("%[C%]: in function 'error'") ~= nil)

-- debug.getinfo on a light native
local info = debug.getinfo(print)
print(info.what, info.short_src, info.source, info.nups, info.currentline, info.isvararg)
print(debug.getinfo(1, "n") and debug.getupvalue(print, 1))
print(debug.upvalueid and pcall(debug.upvalueid, print, 1))

-- coroutine.wrap natives keep their bound coroutine
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
print(gen(), gen(), gen())

-- the identity is stable across the run (and across snapshot round trips)
local s = 0
for i = 1, 200 do s = s + i end
print(s, tostring(print) == p1, string.format("%p", string.rep) == f1)

-- operations on light natives
print(pcall(function() return print < print end))
print(pcall(function() return print + 1 end))
print(pcall(function() return #print end))
print(pcall(function() return print.x end))
print(pcall(debug.setupvalue, print, 1, 2))
print(pcall(debug.upvalueid, print, 1))
print(debug.getinfo(print, "L").activelines)
print(pcall(setmetatable, print, {}))
debug.setmetatable(print, {__index = function(f, k) return k .. "!" end})
print(print.x, string.rep.y, (function() end).z)
debug.setmetatable(print, nil)
print(rawequal(print, _G.print), rawlen and pcall(rawlen, print))
local t = setmetatable({}, {__newindex = rawset, __len = rawlen})
t[1] = 5 print(#t, t[1])
print(select('#', table.unpack({1, 2, 3})))
local co = coroutine.create(print) print(coroutine.resume(co, "in co"))
print(coroutine.status(co))
local co2 = coroutine.wrap(pcall) print(co2(error, "x"))
print(pcall(coroutine.close, coroutine.create(type)))
debug.sethook(print, "", 0) print(debug.gethook() == print) debug.sethook()
print(string.format("%s", print) == tostring(print))
print(next({}, nil), type(next))
for k, v in next, {10} do print(k, v) end
