-- debug.upvalueid: equal for shared upvalue cells, distinct otherwise, stable over time and
-- snapshots (ids are deterministic object ids, not addresses); upvaluejoin changes it.
local a, b = 1, 2
local function f1() return a + b end
local function f2() return b + a end
local function f3() local c = 3; return function() return c + a end end
local g = f3()
print(debug.upvalueid(f1, 1) == debug.upvalueid(f2, 2), debug.upvalueid(f1, 2) == debug.upvalueid(f2, 1))
print(debug.upvalueid(f1, 1) == debug.upvalueid(g, 2), debug.upvalueid(f1, 1) ~= debug.upvalueid(f1, 2))
print(debug.upvalueid(f1, 3), pcall(debug.upvalueid, f1, 0))
print(debug.upvalueid(string.gmatch("x", "x"), 1) ~= nil)
local ids = {}
for i = 1, 3 do local x = i; ids[i] = function() return x end end
print(debug.upvalueid(ids[1], 1) ~= debug.upvalueid(ids[2], 1))
local id1 = debug.upvalueid(f1, 1)
for i = 1, 100 do local t = {} end
print(debug.upvalueid(f1, 1) == id1)
debug.upvaluejoin(f1, 1, f3(), 1)
print(debug.upvalueid(f1, 1) == id1, f1())
