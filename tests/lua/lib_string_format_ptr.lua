-- %p: short strings compare as interned, long strings are distinct objects
local function p(v) return string.format("%p", v) end
local a, b = string.rep("x", 40), string.rep("xx", 20)
print(p(a) == p(b), p(a) ~= p("y"))
local c, d = string.rep("x", 41), string.rep("x", 41)
print(p(c) == p(d), p(c) == p(c), p(c) ~= "(null)")
local s = string.rep("ab", 60)
print(p(s) == p((string.gsub(s, "z", "w"))))
print(p(s) == p((string.gsub(s, "a", {}))))
print(p(s) == p((string.gsub(s, "a", function(x) return x end))))
print(p(1), p(nil), p(false), #string.format("%30p", s), #string.format("%-30p", "k"))
local t = {}
t[s] = true
print(p(next(t)) == p(s))
