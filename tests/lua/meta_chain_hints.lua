-- Method lookups through `__index` chains whose classes hold the same key at different
-- positions (the two-way position hint of a constant key), with the classes changing under
-- the lookups: every answer must be the raw get's.
local A = {}
A.__index = A
function A.new(v) return setmetatable({ v = v }, A) end
function A:f() return "A.f " .. self.v end
function A:g() return "A.g " .. self.v end

local B = setmetatable({ pad1 = 1, pad2 = 2 }, { __index = A })
B.__index = B
function B.new(v) return setmetatable({ v = v, w = 0 }, B) end
function B:f() return "B.f " .. self.v end

local C = setmetatable({ p = 1, q = 2, r = 3, s = 4 }, { __index = B })
C.__index = C
function C:f() return "C.f " .. self.v end

local a, b, c = A.new(1), B.new(2), setmetatable({ v = 3 }, C)
local out = {}
for i = 1, 4 do
  out[#out + 1] = a:f() .. "|" .. b:f() .. "|" .. c:f() .. "|" .. a:g() .. "|" .. b:g() .. "|" .. c:g()
end
-- Remove a method from a class (a tombstone at its position), then put it back.
B.f = nil
out[#out + 1] = a:f() .. "|" .. b:f() .. "|" .. c:f()
B.f = function(self) return "B.f2 " .. self.v end
out[#out + 1] = a:f() .. "|" .. b:f() .. "|" .. c:f()
-- Rebuild a class's hash part (a rehash moves positions).
for k = 1, 40 do C["extra" .. k] = k end
for k = 1, 40 do C["extra" .. k] = nil end
C.f = nil
out[#out + 1] = a:f() .. "|" .. b:f() .. "|" .. c:f() .. "|" .. c:g()
-- A missing method all the way up.
out[#out + 1] = tostring(a.h) .. "|" .. tostring(b.h) .. "|" .. tostring(c.h)
-- A class with many entries, the method past the first 65535 positions.
local Big = {}
for k = 1, 70000 do Big["k" .. k] = k end
Big.f = function(self) return "Big.f " .. self.v end
Big.__index = Big
local big = setmetatable({ v = 9 }, Big)
for i = 1, 3 do
  out[#out + 1] = big:f() .. "|" .. a:f() .. "|" .. big:f() .. "|" .. b:f() .. "|" .. tostring(big.k69999)
end
-- The same key read as a field of some objects and found in the class for others.
local D = { v = "class" }
D.__index = D
local objs = { setmetatable({ v = "own" }, D), setmetatable({}, D), setmetatable({ w = 1, v = "own2" }, D) }
for i = 1, 2 do
  for _, o in ipairs(objs) do out[#out + 1] = o.v end
end
print(table.concat(out, "\n"))
