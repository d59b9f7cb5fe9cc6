-- equal long string constants in one chunk are one string (string.format("%p") agrees),
-- a string built at run time with the same contents is another one
local function addr(s) return string.format("%p", s) end
local s1 <const> = "a long string constant, longer than forty bytes for sure"
local s2 <const> = "a long string constant, longer than forty bytes for sure"
local s3 = "a long string constant, longer than forty bytes for sure"
local function f1() return s1 end
local function f2() return "a long string constant, longer than forty bytes for sure" end
local function nested() return function() return "a long string constant, longer than forty bytes for sure" end end
local a = addr(s1)
print(a == addr(s2), a == addr(s3), a == addr(f1()), a == addr(f2()), a == addr(nested()()))
local built = "a long string constant, " .. "longer than forty bytes for sure"
print(built == s1, addr(built) == a)
local other = "another long string constant that is also longer than forty bytes"
print(addr(other) == a, addr(other) == addr("another long string constant that is also longer than forty bytes"))
local short1, short2 = "short", "sh" .. "ort"
print(addr(short1) == addr(short2))
local t = {}
t[s1] = 1
print(t[f2()], t[built])
