-- Metamethods that appear after a lookup found them absent (the per-table cache of absent
-- metamethods must forget them): new keys, removed keys given a value again (by SETFIELD,
-- in loops too, by rawset, by table.insert-like paths), a metatable that is its own.

local mt = {}
local t = setmetatable({}, mt)
print(t.x, t.y)
mt.__index = function(_, k) return "idx:" .. k end
print(t.x)
mt.__index = nil
print(t.x)
mt.__index = { x = "from table" }
print(t.x)

-- __newindex after stores that found it absent
local log = {}
local mt2 = {}
local o = setmetatable({}, mt2)
o.a = 1
mt2.__newindex = function(tt, k, v) log[#log + 1] = k; rawset(tt, k, v * 10) end
o.b = 2
print(o.a, o.b, table.concat(log, ","))
mt2.__newindex = nil
o.c = 3
mt2.__newindex = function(tt, k, v) rawset(tt, k, -v) end
o.d = 4
o.a = 5 -- existing key: no __newindex
print(o.a, o.c, o.d)

-- the same in a loop (the interpreter's fast loop stores at hints)
local mt3 = {}
local obj = setmetatable({}, mt3)
local class = { k = "class k" }
local seen = {}
for i = 1, 6 do
  if i % 2 == 1 then mt3.__index = nil else mt3.__index = class end
  seen[#seen + 1] = tostring(obj.k)
end
print(table.concat(seen, " "))
local stores = {}
for i = 1, 6 do
  if i % 2 == 1 then mt3.__newindex = nil else mt3.__newindex = function(_, k) stores[#stores + 1] = k end end
  obj["f" .. i] = i
end
print(table.concat(stores, " "), rawget(obj, "f1"), rawget(obj, "f2"))

-- rawset, __len, __eq
local mt4 = {}
local u, v = setmetatable({}, mt4), setmetatable({}, mt4)
print(#u, u == v)
rawset(mt4, "__len", function() return 42 end)
rawset(mt4, "__eq", function() return true end)
print(#u, u == v)

-- __mode and __gc set after setmetatable looked for them
local weakmt = {}
local w1 = setmetatable({}, weakmt)
weakmt.__mode = "k"
local w2 = setmetatable({}, weakmt)
w2[{}] = 1
collectgarbage()
print(next(w2), w1 ~= nil)
local finmt = {}
setmetatable({}, finmt)
local ran = false
finmt.__gc = function() ran = true end
setmetatable({}, finmt)
collectgarbage()
collectgarbage()
print(ran)

-- a metatable that is its own
local selfmt = {}
setmetatable(selfmt, selfmt)
selfmt.q = 1
print(selfmt.zz)
selfmt.__index = function(_, k) return k .. "!" end
print(selfmt.zz)
selfmt.__newindex = function(tt, k, val) rawset(tt, k, val + 100) end
selfmt.r = 1
print(rawget(selfmt, "r"))

-- __metatable protection, __pairs, __tostring after lookups without them
local pm = {}
local p = setmetatable({}, pm)
print(getmetatable(p) == pm)
for k in pairs(p) do print("key", k) end
pm.__metatable = "locked"
pm.__pairs = function() return function() return nil end, p, nil end
pm.__name = "Thing"
print(getmetatable(p), pcall(setmetatable, p, {}))
print(tostring(p):match("^Thing: ") ~= nil)

-- classes: methods through one and two levels of __index, fields set by constructors
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point:add(o) return Point.new(self.x + o.x, self.y + o.y) end
function Point:dot(o) return self.x * o.x + self.y * o.y end
local Point3 = setmetatable({}, { __index = Point })
Point3.__index = Point3
function Point3.new(x, y, z)
  local q = Point.new(x, y)
  q.z = z
  return setmetatable(q, Point3)
end
function Point3:dot(o) return self.x * o.x + self.y * o.y + self.z * o.z end
local acc = 0
local a, b = Point.new(1, 2), Point3.new(3, 4, 5)
for i = 1, 20 do
  local r = a:add(Point.new(i, -i))
  acc = acc + r:dot(a) + b:dot(b)
  if i == 10 then
    -- A method defined late in the base class, and one overridden in the subclass.
    function Point:norm1() return math.abs(self.x) + math.abs(self.y) end
    function Point3:norm1() return 0 end
  end
  if i > 10 then acc = acc + a:norm1() + b:norm1() end
end
print(acc)
