-- strings have a metatable whose __index is the string table

print(("x"):rep(3), ("abc"):upper(), ("ABC"):lower(), #"abc")
local s = "Hello, World"
print(s:len(), s:sub(1, 5), s:sub(-5), s:byte(1), s:find("World"))
print(s:upper():lower():len())
print(("%d-%s"):format(5, "x"))
print(getmetatable("").__index == string, getmetatable("x") == getmetatable("y"))
print(("abc"):reverse(), ("a,b"):gsub(",", ";"))
local n = 42
print(("n=" .. n):upper())
-- string methods on number literals need parentheses and tostring
print((tostring(12)):rep(2))
-- indexing a string with a non-method key
print(type(("abc").len), ("abc").foo, ("abc").len == string.len)
print(#string.format("%5s", "a"))
-- methods added to string table are visible
function string.twice(str) return str .. str end
print(("ab"):twice())
string.twice = nil
print(pcall(function() return ("ab"):twice() end))
-- numbers do not have methods
print(pcall(function() local x = 5 return x:rep(2) end))
