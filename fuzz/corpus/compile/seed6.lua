-- comparison operators

print(1 < 2, 2 < 1, 1 <= 1, 1 >= 2, 1 > 0, 1 == 1, 1 ~= 1)
print(1 == 1.0, 1 < 1.5, 2 > 1.5, -1 < -0.5, 0 == -0)
print(math.maxinteger < 2^63, math.maxinteger + 0.0 == 2^63, math.maxinteger == 2^63)
print(math.mininteger == -2^63, math.mininteger < -2^63, math.mininteger <= -2^63)
print(2^53 == 2^53 + 1, (1 << 53) + 1 == 2^53)
print(9007199254740993 < 9007199254740992.0, 9007199254740993 > 9007199254740992.0)
print(math.maxinteger < math.huge, math.mininteger > -math.huge)
local nan = 0/0
print(1 < nan, 1 > nan, nan == nan, 1 ~= nan, math.maxinteger < nan)

print("a" < "b", "a" < "ab", "abc" < "abd", "" < "a", "Z" < "a")
print("a\0b" < "a\0c", "a\0" > "a", "a\0b" == "a\0b", #"a\0b")
print("10" < "9", "abc" <= "abc", "b" >= "abc")
print("\255" > "\1", "\127" < "\128")

print(pcall(function() return 1 < nil end))
print(pcall(function() return {} < {} end))
print(pcall(function() return "a" < 1 end))
print(pcall(function() return 1 <= "a" end))
print(pcall(function() return true > false end))
print(pcall(function() return nil >= nil end))
print(pcall(function() return {} <= 1 end))

-- equality never errors and compares identity for tables
local t1, t2 = {}, {}
print(t1 == t1, t1 == t2, t1 ~= t2, t1 == nil, "1" == 1)
local f = function() end
print(f == f, print == print, print == tostring)

-- equality of mixed types
print(true == 1, false == nil, nil == nil, "" == false)

-- sorting strings uses the same ordering
local words = {"banana", "Apple", "cherry", "apple", "Banana", "", "a", "aa"}
table.sort(words)
print(table.concat(words, ","))
