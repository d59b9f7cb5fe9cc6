-- __lt and __le

local mt = {}
mt.__lt = function(a, b) return a.v < b.v end
mt.__le = function(a, b) return a.v <= b.v end
local function n(v) return setmetatable({v = v}, mt) end
local a, b = n(1), n(2)
print(a < b, a > b, a <= b, a >= b, a < a, a <= a)

-- sorting with __lt
local list = {n(5), n(3), n(9), n(1)}
table.sort(list)
local out = {}
for i, x in ipairs(list) do out[i] = x.v end
print(table.concat(out, " "))

-- only __lt defined: '<' and '>' work. ('<=' is left out on purpose: standard 5.4 has no
-- __lt fallback for __le, but Debian's lua5.4 is built with LUA_COMPAT_5_3, which has it.)
local only_lt = setmetatable({}, {__lt = function() return true end})
print(pcall(function() return only_lt < only_lt end))
print(pcall(function() return only_lt > only_lt end))

-- mixed operands: table vs number
local cmp = setmetatable({}, {__lt = function(x, y)
  return type(x) .. "<" .. type(y)
end, __le = function(x, y) return false end})
print(cmp < 1, 1 < cmp, cmp > 1, 1 > cmp)
print(cmp <= 1, 1 >= cmp)

-- result converted to boolean
local s = setmetatable({}, {__lt = function() return "str" end, __le = function() return nil end})
print(s < s, s <= s, s > s, s >= s)

-- strings vs tables
local st = setmetatable({}, {__lt = function(x, y) return true end})
print("a" < st, st < "a")

-- errors without metamethods
print(pcall(function() return {} < {} end))
print(pcall(function() return {} <= 1 end))

-- __lt with a comparator in sort
local people = {{name = "bob", age = 30}, {name = "al", age = 25}, {name = "cy", age = 35}}
local P = {__lt = function(x, y) return x.age < y.age end}
for _, p in ipairs(people) do setmetatable(p, P) end
table.sort(people)
for _, p in ipairs(people) do io.write(p.name, " ") end
print()
table.sort(people, function(x, y) return x > y end)
for _, p in ipairs(people) do io.write(p.name, " ") end
print()
