-- Functions that start by making a table (constructors, tree nodes), called from loops and
-- from each other: the small loop's variant that makes tables (vm::fast) gives what the
-- full interpreter gives.
local function tree(d)
  if d == 0 then return {} end
  d = d - 1
  return { tree(d), tree(d) }
end
local function count(t)
  if t[1] then return 1 + count(t[1]) + count(t[2]) end
  return 1
end
print(count(tree(6)))

local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point:add(o) return Point.new(self.x + o.x, self.y + o.y) end
local acc = Point.new(0, 0)
for i = 1, 100 do acc = acc:add(Point.new(i, -2 * i)) end
print(acc.x, acc.y, getmetatable(acc) == Point)

-- A list with multiple results, a long list, fields and a removed field.
local function three(...) return ... end
local function many(n) return { n, n + 1, three(n, n * 2, n * 3) } end
local function big(n)
  return { n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n, a = n }
end
local function mixed(n) local t = { n, k = n } t.z = n + 1 t.k = nil return t end
local s = 0
for i = 1, 30 do
  local m = many(i)
  s = s + #m + m[5] + #big(i) + big(i).a
  local x = mixed(i)
  s = s + x.z + (x.k or 0) + x[1]
end
print(s)
local t = many(7)
print(#t, t[1], t[2], t[3], t[4], t[5], t[6])
local x = mixed(3)
print(x[1], x.z, x.k, next(x, nil) ~= nil)

-- A field stored into a table with a metatable (its __newindex runs), and into a fresh one
-- that must grow.
local log = {}
local W = setmetatable({}, { __newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v) end })
local function store(v) local o = {} o.a = v o.b = v o.c = v o.d = v o.e = v return o end
local function into(v) W.f = v; return W end
for i = 1, 3 do
  local o = store(i)
  print(o.a + o.b + o.c + o.d + o.e, into(i).f)
end
print(#log, log[1])

-- Errors inside such functions.
local function bad(n) return { n + nil } end
print(pcall(bad, 1))
local function badfield(n) local t = {} t.x = n.y return t end
print(pcall(badfield, 1))
