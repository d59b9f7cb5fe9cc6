-- string.len, sub, upper, lower, reverse, rep, byte, char

local s = "Hello, Lua!"
print(string.len(s), #s, string.len(""), string.len("\0\0"))
print(s:sub(1, 5), s:sub(8), s:sub(-4), s:sub(-4, -2), s:sub(0), s:sub(100))
print(s:sub(5, 1) == "", s:sub(-100, 3), s:sub(3, -100) == "", s:sub(2, 2))
print(s:sub(math.mininteger, math.maxinteger) == s, s:sub(math.maxinteger) == "")
print(s:sub(-1, -1), s:sub(0, 0) == "", s:sub(1, 0) == "")
print(s:upper(), s:lower(), ("MiXeD 123 !?"):upper(), ("MiXeD 123 !?"):lower())
print(("\200\255"):upper() == "\200\255")
print(s:reverse(), (""):reverse() == "", ("a"):reverse(), ("a\0b"):reverse() == "b\0a")
print(("ab"):rep(3), ("ab"):rep(3, ","), ("x"):rep(0) == "", ("x"):rep(-1) == "", ("x"):rep(1, "sep"))
print(("abc"):rep(2, ""), #("x"):rep(10000), (""):rep(5) == "")
print(s:byte(), s:byte(1), s:byte(-1), s:byte(1, 3), s:byte(100), s:byte(0))
print(select('#', s:byte(5, 1)), select('#', s:byte(1, -1)))
print(string.char(72, 105), string.char() == "", #string.char(0, 0), string.char(255):byte())
print(pcall(string.char, 256), pcall(string.char, -1))
-- round trip of every byte
local all = {}
for i = 0, 255 do all[#all + 1] = i end
local bytes = string.char(table.unpack(all))
print(#bytes, bytes:byte(1), bytes:byte(256), bytes:byte(-1))
local ok = true
for i = 1, 256 do if bytes:byte(i) ~= i - 1 then ok = false end end
print("round trip", ok)
-- numbers are accepted where strings are expected
print(string.len(12345), string.upper(1.5), string.rep(7, 3), string.sub(123456, 2, 4))
