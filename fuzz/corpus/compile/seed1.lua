-- integer arithmetic

print(1 + 2, 7 - 10, 6 * 7, -(-5))
print(math.type(1 + 2), math.type(2 * 3))
print(7 // 2, -7 // 2, 7 // -2, -7 // -2)
print(7 % 3, -7 % 3, 7 % -3, -7 % -3)
print(0 % 5, 5 % 5, 4 % 5)
print(3 / 2, 4 / 2, math.type(4 / 2))
print(2 ^ 10, math.type(2 ^ 2))

-- overflow wraps around
print(math.maxinteger + 1 == math.mininteger)
print(math.mininteger - 1 == math.maxinteger)
print(math.maxinteger * 2)
print(math.mininteger * -1)
print(-math.mininteger)
print(math.maxinteger + math.maxinteger)
print(math.mininteger // -1)
print(math.mininteger % -1)
print(math.maxinteger, math.mininteger)
print(0x7fffffffffffffff, 0xffffffffffffffff)

-- integer division and modulo by zero are errors
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
local zero = 0
print(pcall(function() return 10 // zero end))
print(pcall(function() return 10 % zero end))

-- but float versions are fine
print(1 // 0.0, -1 // 0.0, 1 % 0.0 ~= 1 % 0.0)
print(1.0 // 0, 5 % math.huge, -5 % math.huge, 5 % -math.huge, -5 % -math.huge)

-- large products
local big = 1
for i = 1, 20 do big = big * i end
print("20!", big)
big = big * 21
print("21! wraps", big)

-- mixing integers and floats
print(1 + 1.0, 2 * 0.5, 10 - 0.5, 3 // 1.0, 3 % 1.0)
print(math.type(1 + 1.0), math.type(3 // 1.0))

-- unary minus on integers and strings
print(-0, -(0), - -3)
print(-"2", -"2.0", - "0x10")

-- integer comparisons near the limits
print(math.maxinteger > math.mininteger, math.maxinteger + 0.0 == 2^63)
print(math.maxinteger // 2, math.mininteger // 2)
print(math.maxinteger % 10, math.mininteger % 10)
print(5 // 3 * 3 + 5 % 3 == 5, -5 // 3 * 3 + -5 % 3 == -5)
