-- string concatenation

print("a" .. "b", "a" .. 1, 1 .. "a", 1 .. 2, 1.5 .. "|", -1 .. "")
print(2^63 .. "", math.mininteger .. "", 1e100 .. "", (0/0 ~= 0/0) and "nan" or "")
local parts = {}
for i = 1, 10 do parts[#parts + 1] = i end
print(table.concat(parts, ","))
local s = ""
for i = 1, 10 do s = s .. i end
print(s, #s)
-- long chains (right associative)
print("a" .. "b" .. "c" .. "d" .. "e" .. "f" .. "g" .. "h" .. "i" .. "j")
local x, y, z = "x", 2, 3.0
print(x .. y .. z)
-- errors
print(pcall(function() return "a" .. nil end))
print(pcall(function() return "a" .. {} end))
print(pcall(function() local t = {} return t .. "a" end))
print(pcall(function() return 1 .. true end))
local up = {}
print(pcall(function() return "x" .. up end))
print(pcall(function() local t = {f = {}} return "x" .. t.f end))
-- embedded zeros
local z0 = "a\0" .. "\0b"
print(#z0, z0:byte(1, -1))
-- big strings
local big = ("ab"):rep(1000) .. ("cd"):rep(1000)
print(#big, big:sub(1999, 2002))
