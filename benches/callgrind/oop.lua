-- Method calls through metatables: classes with __index, inheritance, self field access.
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point:add(o) return Point.new(self.x + o.x, self.y + o.y) end
function Point:dot(o) return self.x * o.x + self.y * o.y end
function Point:norm1() return math.abs(self.x) + math.abs(self.y) end

local Point3 = setmetatable({}, { __index = Point })
Point3.__index = Point3
function Point3.new(x, y, z)
  local p = Point.new(x, y)
  p.z = z
  return setmetatable(p, Point3)
end
function Point3:dot(o) return self.x * o.x + self.y * o.y + self.z * o.z end

local acc = 0
local p = Point.new(1, 2)
local q = Point3.new(3, 4, 5)
for i = 1, 30000 do
  local r = p:add(Point.new(i, -i))
  acc = acc + r:dot(p) + q:dot(q) + q:norm1()
  acc = acc % 1000000007
end
return acc
