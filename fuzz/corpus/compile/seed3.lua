-- bitwise operators

print(0xF0 & 0x3C, 0xF0 | 0x0F, 0xF0 ~ 0xFF, ~0)
print(1 << 0, 1 << 1, 1 << 62, 1 << 63, 1 << 64, 1 << 100)
print(-1 >> 1, -1 >> 63, -1 >> 64, 8 >> 2, 8 >> -2, 8 << -2)
print(1 << -1, 2 >> 1)
print(~5, ~-1, ~math.mininteger == math.maxinteger)
print(5 & -1, 5 | -8, 5 ~ 5)

-- floats with exact integer values are accepted; result is an integer
print(3.0 & 1, 2.0 | 1.0, 4.0 ~ 1, 1.0 << 4, 256.0 >> 4, ~0.0)
print(math.type(3.0 & 1), math.type(~2.0))
print(2^53 | 0)

-- strings are NOT converted for bitwise operators (no string metamethods for them)
print(pcall(function() return "3" & 1 end))
print(pcall(function() return 1 | "0x10" end))

-- errors
print(pcall(function() return 1.5 & 1 end))
print(pcall(function() return 1 | 2^64 end))
print(pcall(function() return "1.5" | 0 end))
print(pcall(function() return "abc" | 0 end))
print(pcall(function() return {} & 1 end))
print(pcall(function() return ~nil end))
print(pcall(function() local x = 0/0 return x << 1 end))
print(pcall(function() local x = math.huge return x >> 1 end))

-- shifts are logical
print(math.mininteger >> 1, math.mininteger >> 63, math.maxinteger << 1)
print(string.format("%x", -1 >> 4), string.format("%X", 0xABCDEF << 8))

-- a little popcount
local function popcount(n)
  local c = 0
  while n ~= 0 do
    c = c + (n & 1)
    n = n >> 1
  end
  return c
end
print(popcount(0), popcount(255), popcount(-1), popcount(math.mininteger))

-- xor swap
local a, b = 12345, 67890
a = a ~ b; b = a ~ b; a = a ~ b
print(a, b)
