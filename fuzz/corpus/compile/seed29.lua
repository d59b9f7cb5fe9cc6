-- arithmetic metamethods

local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
local function show(v) return type(v) == "table" and ("(" .. v.x .. "," .. v.y .. ")") or tostring(v) end
V.__add = function(a, b)
  if type(a) == "number" then return vec(a + b.x, a + b.y) end
  if type(b) == "number" then return vec(a.x + b, a.y + b) end
  return vec(a.x + b.x, a.y + b.y)
end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
V.__div = function(a, b) return vec(a.x / b, a.y / b) end
V.__mod = function(a, b) return vec(a.x % b, a.y % b) end
V.__pow = function(a, b) return vec(a.x ^ b, a.y ^ b) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__idiv = function(a, b) return vec(a.x // b, a.y // b) end

local p, q = vec(1, 2), vec(3, 4)
print(show(p + q), show(p - q), p * q, show(2 * p), show(p * 3))
print(show(q / 2), show(q % 3), show(q ^ 2), show(-p), show(q // 2))
print(show(1 + p), show(p + 1))

-- the left operand's metamethod is tried first, then the right's
local A = setmetatable({}, {__add = function() return "A's add" end})
local B = setmetatable({}, {__add = function() return "B's add" end})
print(A + B, B + A, A + 1, 1 + B)

-- __unm receives the operand twice
local u = setmetatable({}, {__unm = function(a, b) return rawequal(a, b) end})
print(-u)

-- strings with arithmetic metamethods on tables
local S = setmetatable({}, {__add = function(a, b) return "S+" .. tostring(type(a)) .. "," .. tostring(type(b)) end})
print(S + "x", "x" + S, S + 1)

-- numbers as strings do not trigger metamethods
print("10" + 5, "3" * "4")

-- errors when no metamethod
print(pcall(function() return {} + 1 end))
print(pcall(function() return 1 - {} end))
print(pcall(function() local t = {} return t * 2 end))
print(pcall(function() return -{} end))
print(pcall(function() local x = {} return x.y ^ 2 end))

-- metamethod results are not adjusted: can return any value
local any = setmetatable({}, {__add = function() return nil end, __sub = function() return 1, 2 end})
print(any + 1, any - 1)

-- __mod and __idiv with numbers on the left
local M = setmetatable({}, {__mod = function(a, b) return "mod:" .. type(a) .. type(b) end,
                             __idiv = function(a, b) return "idiv:" .. type(a) .. type(b) end,
                             __div = function(a, b) return "div:" .. type(a) .. type(b) end,
                             __pow = function(a, b) return "pow:" .. type(a) .. type(b) end})
print(5 % M, M % 5, 5 // M, M // 5, 5 / M, 2 ^ M)

-- chained operations
local C = {}
C.__add = function(a, b) return setmetatable({v = (type(a) == "table" and a.v or a) + (type(b) == "table" and b.v or b)}, C) end
local c1 = setmetatable({v = 1}, C)
local r = c1 + 2 + 3 + c1
print(r.v)
