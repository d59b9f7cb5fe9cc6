-- bitwise metamethods

local B = {}
local function box(v) return setmetatable({v = v}, B) end
local function val(x) return type(x) == "table" and x.v or x end
B.__band = function(a, b) return box(val(a) & val(b)) end
B.__bor = function(a, b) return box(val(a) | val(b)) end
B.__bxor = function(a, b) return box(val(a) ~ val(b)) end
B.__shl = function(a, b) return box(val(a) << val(b)) end
B.__shr = function(a, b) return box(val(a) >> val(b)) end
B.__bnot = function(a) return box(~val(a)) end

local x, y = box(12), box(10)
print((x & y).v, (x | y).v, (x ~ y).v, (x << 2).v, (x >> 2).v, (~x).v)
print((12 & y).v, (x | 1).v, (1 << box(4)).v, (256 >> box(4)).v)

-- metamethods get called for floats without integer representation too
local F = setmetatable({}, {__band = function(a, b) return "band " .. (type(a) == "number" and a or type(a)) .. " " .. (type(b) == "number" and b or type(b)) end})
print(1.5 & F, F & 2.5)

-- strings: no bitwise coercion, but a metamethod on the other operand is used
local S = setmetatable({}, {__bor = function(a, b) return "bor " .. type(a) .. " " .. type(b) end})
print("abc" | S, S | "3")

-- errors
print(pcall(function() return {} & 1 end))
print(pcall(function() return 1 | {} end))
print(pcall(function() return ~{} end))
print(pcall(function() return 1.5 | 1 end))
print(pcall(function() local f = 2.5 return f >> 1 end))
print(pcall(function() return 1 << 1.5 end))
print(pcall(function() local t = {k = 1.25} return t.k ~ 1 end))
