-- utf8 library

print(utf8.char(72, 101, 108, 108, 111), utf8.char(), #utf8.char(0x7FF), #utf8.char(0x10FFFF))
print(utf8.char(233) == "\u{E9}", utf8.char(0x20AC) == "\xE2\x82\xAC", #utf8.char(0x7FFFFFFF))
print(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")
local s = "h\u{E9}llo w\u{F6}rld \u{20AC}"
print(#s, utf8.len(s), utf8.len(""), utf8.len("abc"))
print(utf8.len(s, 3), utf8.len(s, 1, 2), utf8.len(s, -3))
print(utf8.len("\xFF"), utf8.len("ab\x80cd"), utf8.len("\xC3"))
print(utf8.codepoint(s), utf8.codepoint(s, 2), utf8.codepoint(s, 1, 3))
print(utf8.codepoint(s, -3))
print(pcall(utf8.codepoint, s, 3))
print(pcall(utf8.codepoint, "\xFF"))
print(utf8.offset(s, 1), utf8.offset(s, 2), utf8.offset(s, 3), utf8.offset(s, -1), utf8.offset(s, 0, 3))
print(utf8.offset(s, 20), utf8.offset(s, utf8.len(s) + 1), utf8.offset("abc", -4))
print(pcall(utf8.offset, s, 1, 3))
for p, c in utf8.codes("a\u{E9}\u{20AC}\u{1F600}") do io.write(p, ":", c, " ") end
print()
print(pcall(function() for p, c in utf8.codes("a\xFFb") do end end))
-- collect characters with charpattern
local chars = {}
for ch in s:gmatch(utf8.charpattern) do chars[#chars + 1] = ch end
print(#chars, chars[2] == "\u{E9}", chars[#chars] == "\u{20AC}")
-- reverse a utf8 string
local rev = {}
for _, c in utf8.codes("añb€") do table.insert(rev, 1, utf8.char(c)) end
print(table.concat(rev))
-- lax mode accepts surrogates and large values
print(utf8.len("\u{D800}"), utf8.len("\u{D800}", 1, -1, true))
print(utf8.codepoint("\u{7FFFFFFF}", 1, 1, true), pcall(utf8.codepoint, "\u{7FFFFFFF}"))
print(pcall(utf8.char, 0x80000000))
print(utf8.len("\xF4\x90\x80\x80"), utf8.len("\xF4\x90\x80\x80", 1, -1, true))
-- overlong encodings are rejected
print(utf8.len("\xC0\x80"), utf8.len("\xE0\x80\x80"))
