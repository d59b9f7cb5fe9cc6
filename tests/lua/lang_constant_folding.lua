-- expressions with constant operands (a compiler may fold them; results must not change)

print(1 + 2, 10 - 20, 6 * 7, 7 / 2, 7 // 2, 7 % 2, 2 ^ 10, -(-3))
print(1 // 0.0, -1 // 0.0, 1 / 0, -1 / 0, 0.0 / 0.0 ~= 0.0 / 0.0)
print(-0.0, 0.0 * -1, -(0.0), 0 * -1, 1 / (-0.0))
print(math.maxinteger + 1, math.mininteger - 1, 9223372036854775807 + 1, -9223372036854775807 - 2)
print(3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 64, 1 << 63, -1 >> 1)
print(2^53 + 1, (1 << 53) + 1)
print("10" + 1, "3" * "4", 10 .. 20)
print(1 == 1.0, "a" < "b", not nil, not 0)
-- errors in constant expressions happen at run time, not compile time
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
print(pcall(function() return 1 | 1.5 end))
print(pcall(function() return "a" + 1 end))
print(pcall(function() return {} .. "" end))
print(load("return 1 // 0") ~= nil, load("return 1.5 | 1") ~= nil)
-- constants mixed with locals
local x = 5
print(x + 1 * 2, (x + 1) * 2, x * 2 ^ 2, -x ^ 2, x // 2 * 2, x % 3 + 1)
local s = "str"
print(s .. 1 .. 2, 1 .. s .. 2, #s + 1)
-- many constants in one function (more than fit in an instruction operand)
local src = {"local t = {}"}
for i = 1, 600 do src[#src + 1] = string.format("t[%d] = %d.5 + %d", i, i, i) end
src[#src + 1] = "local sum = 0 for i = 1, #t do sum = sum + t[i] end return sum, t[1], t[600]"
print(load(table.concat(src, "\n"))())
-- many distinct string constants
src = {"local t = {}"}
for i = 1, 400 do src[#src + 1] = string.format("t[#t + 1] = 'k%d'", i) end
src[#src + 1] = "return #t, t[1], t[400]"
print(load(table.concat(src, "\n"))())
-- large integer constants
print(0x7fffffffffffffff, 0x8000000000000000, -0x8000000000000000, 1e19 // 1)
print(255 // 1, 255.0 // 1, 2^31 | 0, 2^62 | 0)
-- comparisons of constants
print(1 < 2, 2 < 1, 1 <= 1.0, "10" < "9", 2^63 == math.maxinteger + 1.0, math.maxinteger + 1.0 == math.mininteger)
-- immediate operands at the edges of small ranges
local v = 1000
print(v + 127, v + 128, v - 128, v - 129, v * 255, v * 256, v + -1, v - -1)
print(v < 127, v > 128, v == 1000, v ~= 1000.0, v >= 1000, v <= -1)
local f = 2.5
print(f + 1, f - 1, f * 2, f / 2, f // 1, f % 1, f == 2.5, f < 3)
