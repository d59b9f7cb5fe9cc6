-- table constructors

local t = {1, 2, 3; 4, 5}
print(#t, t[1], t[5])
local u = {x = 1, ["y"] = 2, [3] = "three", [1 + 1] = "two", "first"}
print(u.x, u.y, u[1], u[2], u[3])
-- a positional item overrides an explicit integer key given before it
-- (the manual leaves the order of repeated keys undefined; avoid the other direction)
local v = {[1] = "explicit", "positional"}
print(v[1])
-- trailing separators
local a = {1, 2, 3,}
local b = {x = 1;}
print(#a, b.x)
-- nested
local n = {{1, 2}, {3, {4, 5}}, k = {z = "deep"}}
print(n[1][2], n[2][2][1], n.k.z)
-- expressions as keys and values
local i = 10
local e = {[i] = i * 2, [i .. ""] = "str", [i + 0.0] = "float overrides int"}
print(e[10], e["10"])
-- functions in constructors
local fns = {function() return "a" end, b = function() return "b" end}
print(fns[1](), fns.b())
-- big constructor
local big = {
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
  21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
  41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60,
}
local s = 0
for _, x in ipairs(big) do s = s + x end
print(#big, s)
-- a constructor with more than 50 items then a call
local function three() return "a", "b", "c" end
local many = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  three()
}
print(#many, many[51], many[53])
-- string keys that look like keywords
local kw = {["end"] = 1, ["nil"] = 2, ["and"] = 3}
print(kw["end"], kw["nil"], kw["and"])
-- nil values in constructors
local withnil = {a = nil, b = 2}
print(withnil.a, withnil.b)
local cnt = 0
for _ in pairs(withnil) do cnt = cnt + 1 end
print("pairs count", cnt)
-- empty
print(next({}))
-- a constructor evaluates items left to right
local order = {}
local function mark(x) order[#order + 1] = x return x end
local o = {mark("a"), k = mark("b"), mark("c"), [mark("d")] = mark("e")}
print(table.concat(order, " "), o[1], o[2], o.k, o.d)
