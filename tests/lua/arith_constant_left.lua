-- A numeral on the left of +, *, &, | and ~: results, metamethods called with the operands
-- in the source order, error messages naming the right operand; also in loops.
local x, y = 3, 2.5
print(1 + x, 2 * x, 2.0 * y, 1.5 + y, 0xff & x, 1 | x, 5 ~ x, 1000 + x, 2^53 * x)
print(1 + "10", 2 * "3", pcall(function() return 3 & "7" end))
local mt = {__add = function(a, b) return "add(" .. type(a) .. "," .. type(b) .. ")" end,
  __mul = function(a, b) return "mul(" .. tostring(type(a)) .. "," .. tostring(type(b)) .. ")" end,
  __band = function(a, b) return "band(" .. type(a) .. "," .. type(b) .. ")" end,
  __bor = function(a, b) return "bor(" .. type(a) .. "," .. type(b) .. ")" end,
  __bxor = function(a, b) return "bxor(" .. type(a) .. "," .. type(b) .. ")" end}
local t = setmetatable({}, mt)
print(1 + t, 1.5 + t, 2 * t, 3 & t, 3 | t, 3 ~ t, t + 1, t * 2, t & 3)
print(pcall(function() local z; return 1 + z end))
print(pcall(function() local z; return 2.5 * z end))
print(pcall(function() local z = {}; return 7 & z end))
print(pcall(function() return 7 | 1.5 end))
print(pcall(function() local w = 2.5; return 7 ~ w end))
print(pcall(function() return 1 + "abc" end))
print(pcall(function() return 1 + {} end))
print(pcall(function() return 3 * g end))
print(0.0 * 1, -0.0 * x, 0 * -1.0, 1 + -0.0)
print(math.maxinteger + 1 == math.mininteger, 2 * math.maxinteger)
local function f() return 5 end
print(1 + f(), 2 * f(), 1 & f())
-- in loops (the small loop runs these forms too)
local acc, bits = 0.0, 0
for i = 1, 1000 do
  acc = 0.5 * acc + 2 * i + 1
  bits = (0x5555 & i) ~ (7 | bits) ~ (3 ~ i)
end
print(acc, bits)
local s = 0
for i = 1, 100 do s = 1 + s end
print(s, 1 + setmetatable({}, {__add = function(a, b) return type(a) .. "+" .. type(b) end}))
