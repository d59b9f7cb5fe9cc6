-- Light userdata (what debug.upvalueid returns in 5.4): type, equality by payload, table keys,
-- error messages, %p, the shared metatable; under snapshots and forks like any value.
local a, b = 1, 2
local function f() return a + b end
local function g() return a end
local id1 = debug.upvalueid(f, 1)
local id2 = debug.upvalueid(g, 1)
local id3 = debug.upvalueid(f, 2)
print(type(id1), id1 == id2, id1 ~= id3, rawequal(id1, id2))
print(math.type(id1), tostring(id1):match("^userdata: 0x%x+$") ~= nil)
local t = {}
t[id1] = "one"; t[id3] = "three"
print(t[id2], t[id3])
print(pcall(function() return id1 + 1 end))
print(pcall(function() return id1 < id2 end))
print(pcall(function() return id1 .. "" end))
print(pcall(function() return #id1 end))
print(pcall(function() return id1.x end))
print(pcall(function() return id1() end))
print(debug.upvalueid(f, 3), pcall(debug.upvalueid, f, 0))
print(string.format("%p", id1) == string.format("%p", id2))
print(getmetatable(id1))
debug.setmetatable(id1, {__index = function(_, k) return k .. "!" end, __name = "LU"})
print(id3.hello, getmetatable(id2) ~= nil)
debug.setmetatable(id1, nil)
print(select('#', debug.upvalueid(print, 1)))
print(pcall(debug.upvaluejoin, f, 1, g, 1))
print(debug.upvalueid(f, 1) == debug.upvalueid(g, 1))
-- A light userdata is not a full one (luaL_typeerror names it).
print(pcall(debug.setuservalue, id1, {}))
print(pcall(debug.setuservalue, {}, {}))
print(pcall(debug.setuservalue, io.stdout))
print(pcall(string.rep, id1))
