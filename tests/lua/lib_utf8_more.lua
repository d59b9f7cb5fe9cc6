-- utf8: bounds, errors, lax mode, offsets

local s = "a\u{E9}\u{20AC}\u{1F600}z"
print(#s, utf8.len(s), utf8.len(s, 2), utf8.len(s, 3) , utf8.len(s, -1), utf8.len(s, #s + 1))
print(pcall(utf8.len, s, 0))
print(pcall(utf8.len, s, #s + 2))
print(pcall(utf8.len, s, 1, #s + 1))
print(utf8.len(s, 1, 0), utf8.len(s, 5, 4), utf8.len("", 1, -1))
print(utf8.codepoint(s, 1, -1))
print(utf8.codepoint(s, 2, 2), utf8.codepoint(s, -1), select("#", utf8.codepoint(s, 3, 2)))
print(pcall(utf8.codepoint, s, 0))
print(pcall(utf8.codepoint, s, 1, #s + 1))
print(pcall(utf8.codepoint, "\xF0\x9F"))
print(pcall(utf8.codepoint, "\u{D800}"), utf8.codepoint("\u{D800}", 1, 1, true))
-- offsets forwards and backwards
for n = -6, 7 do io.write(tostring(utf8.offset(s, n)), " ") end
print()
for i = 1, #s + 1 do io.write(tostring(utf8.offset(s, 0, i)), " ") end
print()
print(utf8.offset(s, 2, 2), utf8.offset(s, -1, 4), utf8.offset(s, 1, #s + 1), utf8.offset(s, -1, #s + 1))
print(pcall(utf8.offset, s, 1, #s + 2))
print(pcall(utf8.offset, s, 1, 0))
print(pcall(utf8.offset, s, 1, 3))
print(pcall(utf8.offset, s, -1, 5))
print(utf8.offset("", 1), utf8.offset("", 0), utf8.offset("", -1), utf8.offset("", 2))
-- char
print(utf8.char(0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF) == "\0\x7F\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}")
print(#utf8.char(0x200000), #utf8.char(0x4000000), utf8.char("65", 66.0))
print(pcall(utf8.char, -1))
print(pcall(utf8.char, 1.5))
print(pcall(utf8.char, 65, "x"))
-- codes, strict and lax
for p, c in utf8.codes("\u{7FF}\u{800}x") do io.write(p, "=", c, " ") end
print()
for p, c in utf8.codes("a\u{D800}b", true) do io.write(p, "=", c, " ") end
print()
print(pcall(function() for p, c in utf8.codes("a\u{D800}b") do end end))
print(pcall(function() for p, c in utf8.codes("ab\xC3") do end end))
print(pcall(utf8.codes, nil))
local n = 0
for p, c in utf8.codes("") do n = n + 1 end
print(n)
-- continuation bytes are skipped by the iterator
for p, c in utf8.codes("\x80a") do io.write(p, "=", c, " ") end
print()
-- len stops at the first bad sequence and says where
print(utf8.len("abc\xE4def"), utf8.len("\xF4\x8F\xBF\xBF"), utf8.len("\xF8\x88\x80\x80\x80", 1, -1, true))
print(utf8.len("\xFC\x84\x80\x80\x80\x80", 1, -1, true), utf8.len("\xFE\x80\x80\x80\x80\x80\x80", 1, -1, true))
