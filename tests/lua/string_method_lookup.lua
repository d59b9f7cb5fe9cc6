-- Method calls on strings through the string metatable's `__index` (looked up with the
-- method name's position hint), with that `__index` replaced by tables and functions, keys
-- missing, and arithmetic on strings through the metatable's `__add`, ... (looked up with a
-- position hint per metamethod name) while other metatables with the same names are used.
local s = "hello world"
print(s:len(), s:upper(), s:sub(2, 5), s:byte(1), ("x"):rep(3, ","))
for i = 1, 3 do print(s:find("o", i + 3), s:match("(%w+) (%w+)")) end
print(s.len == string.len, s.nosuch, ("").x)
print(pcall(function() return s:nosuch() end))
local mt = getmetatable("")
local lib = mt.__index
-- A table `__index` chain: the method found in the second table, the hint moving.
local extra = setmetatable({ shout = function(x) return x:upper() .. "!" end }, { __index = lib })
mt.__index = extra
print(s:shout(), s:len(), s:sub(1, 1), s.nosuch)
mt.__index = setmetatable({}, { __index = extra })
print(s:shout(), s:len(), s.nosuch)
-- A function `__index`.
mt.__index = function(str, k) return function(self, ...) return k .. ":" .. self .. ":" .. select("#", ...) end end
print(s:whatever(1, 2), ("abc"):len())
-- No `__index`.
mt.__index = nil
print(pcall(function() return s:len() end))
print(pcall(function() return s.len end))
mt.__index = lib
print(s:len(), s:rep(2))
-- String arithmetic through `__add` and the others, alternating with tables' `__add`.
local V = setmetatable({}, { __add = function(a, b) return "V+" end, __sub = function() return "V-" end })
local t = 0
for i = 1, 5 do
  t = t + ("10" + i) + ("3" * i) - ("1" - i) + ("8" // 3) + ("2" ^ 2) + ("7" % 4)
  print(t, V + i, i - V, "5" + 0.5, -"3", "0x10" + 0)
end
print(pcall(function() return "abc" + 1 end))
print(pcall(function() return {} + "1" end))
-- `__add` removed from the string metatable, then put back.
local add = mt.__add
mt.__add = nil
print(pcall(function() return "1" + 1 end))
mt.__add = function(a, b) return "added" end
print("1" + 1, 1 + "2")
mt.__add = add
print("1" + 1, "1.5" + 1)
-- A method called through a string in a loop, then the string library's function replaced.
local n = 0
for i = 1, 10 do n = n + s:len() end
local len = string.len
string.len = function() return 100 end
for i = 1, 10 do n = n + s:len() end
string.len = len
print(n, s:len())
-- gsub with a function adding to the captured digits (string arithmetic in the callback).
print(("value84 x9"):gsub("%d", function(d) return d + 1 end))
