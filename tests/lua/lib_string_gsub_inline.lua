-- string.gsub with replacements computed without Lua code (a string, a table), done at
-- once when nothing stops it, and the same cases where it must stop or fail midway.

-- tables: raw hits, misses, false, numbers, position keys
local t = {a = "1", b = false, c = 3, d = 2.5, [1] = "one", [4] = "four"}
print(("abcdx"):gsub("%a", t))
print(("abcd"):gsub("()", t))
print(("a-b-c"):gsub("(%a)", t, 2))
-- a table with a metatable: raw values used as they are, misses through __index
local calls = 0
local mt = setmetatable({x = "X"}, {__index = function(_, k) calls = calls + 1 return k:upper() end})
print(("xyz"):gsub("%a", mt), calls)
local chained = setmetatable({}, {__index = {p = "P"}})
print(("pqp"):gsub("%a", chained))
local falsy = setmetatable({}, {__index = function() return false end})
print(("abc"):gsub("b", falsy))
-- invalid values raise the error at that match
print(pcall(string.gsub, "abc", "%a", {c = true}))
print(pcall(string.gsub, "abc", "%a", {b = {}}))
print(pcall(string.gsub, "abc", "(", {}))
print(pcall(string.gsub, "abc", "%", "x"))
print(pcall(string.gsub, "abc", "(b)", "%2"))
-- templates with every escape, anchors, empty matches
print(("hello world"):gsub("(o)", "[%0%1%%]"))
print(("hello"):gsub("", "."))
print(("hello"):gsub("^h", "H"))
print(("hello"):gsub("^x", "H"))
print(("hello"):gsub("l*", "<%0>"))
print(("a,b,,c"):gsub(",", ";", 2))
print(("abc"):gsub("%w", "%0", 0))
print(("abc"):gsub("%w", "%0", -3))
print(("()ab()"):gsub("()", "%1"))
-- nothing replaced gives the subject back
local s = "no digits here"
local r, n = s:gsub("%d", "#")
print(r == s, n)
-- long subjects and results (several scan chunks, a long tail)
local long = ("word "):rep(2000)
r, n = long:gsub("o", "0")
print(#r, n, r:sub(1, 20))
r, n = long:gsub("w(o)rd", "%1", 3)
print(#r, n, r:sub(1, 20))
r, n = long:gsub("%s", {[" "] = "__"})
print(#r, n)
-- gsub inside a coroutine that yields between calls
local co = coroutine.wrap(function()
  for i = 1, 3 do
    coroutine.yield((("a"):rep(i)):gsub("a", {a = tostring(i)}))
  end
end)
print(co(), co(), co())
