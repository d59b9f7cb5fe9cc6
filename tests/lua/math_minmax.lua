-- math.min and math.max: numbers compare without metamethods (no copy of the arguments);
-- any other pair, even after numbers, goes through `__lt` as lua_compare does.
print(math.max(3, 1.5, 7, 2), math.min(3, 1.5, 7, 2))
print(math.max(1, 2^53, 2^53 + 1), math.min(-1, -2^63, 1.0))
print(math.max(-0.0, 0), math.max(0, -0.0), math.min(0.0, -0.0))
print(math.max(1, 0/0) ~= math.max(1, 0/0), math.min(0/0, 1) ~= math.min(0/0, 1))
print(math.type(math.max(1, 1.0)), math.type(math.max(1.0, 1)))
print(math.max(5), math.min(-5.5), math.max(math.maxinteger, math.mininteger))
local mt = { __lt = function(a, b) return a.v < b.v end }
local function obj(v) return setmetatable({ v = v }, mt) end
print(math.max(obj(1), obj(3), obj(2)).v, math.min(obj(1), obj(3), obj(2)).v)
local numeric = setmetatable({ v = 10 }, { __lt = function(a, b)
  local x = type(a) == "table" and a.v or a
  local y = type(b) == "table" and b.v or b
  return x < y
end })
print(math.max(1, 4, 2, numeric, 3) == numeric, math.min(1, 4, numeric) == 1)
print(math.max("10", "9"), math.min("a", "b", "c"))
print(pcall(math.max, 1, {}))
print(pcall(math.min, 1, 2, "x"))
print(pcall(math.max))
print(pcall(math.min, {}, {}))
local n = 0
for i = 1, 300 do n = n + math.max(i % 17, 5, i % 3) - math.min(i, 100.5) end
print(n)
