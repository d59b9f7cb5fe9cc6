-- class-like inheritance through __index chains

local Animal = {}
Animal.__index = Animal
function Animal.new(name, sound)
  local self = setmetatable({}, Animal)
  self.name = name
  self.sound = sound or "..."
  return self
end
function Animal:speak() return self.name .. " says " .. self.sound end
function Animal:kind() return "animal" end

local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
function Dog.new(name)
  local self = Animal.new(name, "woof")
  return setmetatable(self, Dog)
end
function Dog:kind() return "dog" end
function Dog:fetch() return self.name .. " fetches" end

local Puppy = setmetatable({}, {__index = Dog})
Puppy.__index = Puppy
function Puppy.new(name)
  local self = Dog.new(name)
  return setmetatable(self, Puppy)
end
function Puppy:speak() return Dog.speak(self) .. " (squeaky)" end

local a, d, p = Animal.new("cat", "meow"), Dog.new("rex"), Puppy.new("bit")
for _, x in ipairs({a, d, p}) do
  print(x:speak(), x:kind(), x.fetch and x:fetch() or "no fetch")
end

-- isinstance
local function isa(obj, class)
  local mt = getmetatable(obj)
  while mt do
    if mt == class then return true end
    local parent = getmetatable(mt)
    mt = parent and parent.__index
  end
  return false
end
print(isa(p, Puppy), isa(p, Dog), isa(p, Animal), isa(d, Puppy), isa(a, Dog))

-- metamethods are NOT inherited through __index (they are looked up raw)
Animal.__tostring = function(s) return "Animal(" .. s.name .. ")" end
print(tostring(a), tostring(d):match("^table") ~= nil)
Dog.__tostring = Animal.__tostring
print(tostring(d))

-- overriding a field on an instance
d.speak = function() return "custom" end
print(d:speak(), Dog.new("x"):speak())

-- super calls with varargs
local Base = {}
Base.__index = Base
function Base:init(...) self.args = table.pack(...) return self end
local Derived = setmetatable({}, {__index = Base})
Derived.__index = Derived
function Derived:init(...) Base.init(self, "derived", ...) return self end
local obj = setmetatable({}, Derived):init(1, 2)
print(obj.args.n, obj.args[1], obj.args[2], obj.args[3])
