-- a class system with inheritance, super calls, properties and mixins

local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, {__index = parent}) end
  c.super = parent
  c.new = function(...)
    local o = setmetatable({}, c)
    if o.init then o:init(...) end
    return o
  end
  c.is_a = function(self, k)
    local m = getmetatable(self)
    while m do
      if m == k then return true end
      m = m.super
    end
    return false
  end
  return c
end

local Shape = class()
function Shape:init(name) self.name = name Shape.count = (Shape.count or 0) + 1 end
function Shape:area() return 0 end
function Shape:describe() return string.format("%s with area %.2f", self.name, self:area()) end
Shape.__tostring = function(s) return "Shape<" .. s.name .. ">" end

local Rect = class(Shape)
function Rect:init(w, h) Shape.init(self, "rect") self.w, self.h = w, h end
function Rect:area() return self.w * self.h end
Rect.__tostring = Shape.__tostring
Rect.__eq = function(a, b) return a.w == b.w and a.h == b.h end
Rect.__lt = function(a, b) return a:area() < b:area() end
Rect.__le = function(a, b) return a:area() <= b:area() end

local Square = class(Rect)
function Square:init(s) Rect.init(self, s, s) self.name = "square" end
Square.__tostring = function(s) return "Square(" .. s.w .. ")" end
Square.__eq = Rect.__eq
Square.__lt = Rect.__lt

local Circle = class(Shape)
function Circle:init(r) self.super.init(self, "circle") self.r = r end
function Circle:area() return 3 * self.r * self.r end  -- integer-friendly pi
Circle.__tostring = function(s) return "Circle(r=" .. s.r .. ")" end

local shapes = {Rect.new(2, 3), Square.new(2), Circle.new(1), Rect.new(1, 1)}
for _, s in ipairs(shapes) do print(tostring(s), s:describe()) end
print("count", Shape.count)
print(shapes[2]:is_a(Square), shapes[2]:is_a(Rect), shapes[2]:is_a(Shape), shapes[1]:is_a(Square), shapes[3]:is_a(Rect))
print(Rect.new(2, 2) == Square.new(2), Rect.new(1, 2) == Rect.new(2, 1), Rect.new(1, 2) < Rect.new(2, 2))
print(Square.new(3) < Square.new(4), Rect.new(2, 2) <= Rect.new(1, 4))

-- sort by area (areas distinct)
local list = {Rect.new(3, 3), Rect.new(1, 2), Rect.new(2, 2), Rect.new(5, 1)}
table.sort(list)
for _, r in ipairs(list) do io.write(r:area(), " ") end
print()

-- properties via __index/__newindex functions
local Props = {}
function Props.new()
  local data, getters, setters = {}, {}, {}
  local o = setmetatable({}, {
    __index = function(_, k)
      if getters[k] then return getters[k]() end
      return data[k]
    end,
    __newindex = function(_, k, v)
      if setters[k] then setters[k](v) else data[k] = v end
    end,
  })
  return o, getters, setters, data
end
local temp, g, st, d = Props.new()
d.celsius = 0
g.fahrenheit = function() return d.celsius * 9 / 5 + 32 end
st.fahrenheit = function(f) d.celsius = (f - 32) * 5 / 9 end
temp.celsius = 100
print(temp.celsius, temp.fahrenheit)
temp.fahrenheit = 32
print(temp.celsius, temp.fahrenheit)

-- mixins
local Comparable = {
  max = function(self, other) if self < other then return other end return self end,
}
local function include(c, mixin) for k, v in pairs(mixin) do c[k] = v end end
include(Rect, Comparable)
print(tostring(Rect.new(1, 1):max(Rect.new(2, 3))), Rect.new(1, 1):max(Rect.new(2, 3)).w)

-- method missing via __index function on the class chain
local Dynamic = class()
setmetatable(Dynamic, {__index = function(_, k)
  return function(self, ...) return "called " .. k .. " with " .. select('#', ...) .. " args" end
end})
local dyn = Dynamic.new()
print(dyn:anything(1, 2), dyn:other())
