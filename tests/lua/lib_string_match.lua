-- string.match and pattern features

print(("hello 123 world"):match("%d+"), ("hello"):match("%d+"))
print(("key = value"):match("(%w+)%s*=%s*(%w+)"))
print(("2024-01-15"):match("(%d+)-(%d+)-(%d+)"))
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|")
print(("abc"):match("()b()"), ("abc"):match("()"), ("abc"):match(".-()$"))
-- character classes
local all = ""
for i = 0, 127 do all = all .. string.char(i) end
for _, cls in ipairs({"%a", "%d", "%l", "%u", "%s", "%w", "%x", "%p", "%c", "%g"}) do
  local only = all:gsub("[^" .. cls .. "]", "")
  print(cls, #only, (only:gsub("%c", "?")))
end
-- complements
print(("a1 b2"):gsub("%A", "."), ("a1 b2"):gsub("%D", "."), ("a1 b2"):gsub("%S", "."))
-- sets
print(("hello world"):match("[aeiou]+"), ("hello"):match("[^aeiou]+"), ("a-b"):match("[a%-]+"))
print(("x]y"):match("[]x]+"), ("a^b"):match("[b^]+"), ("ABCdef"):match("[A-C]+"), ("09az"):match("[0-9a-f]+"))
print(("abc123"):match("[%a]+"), ("abc123"):match("[%d]+"), ("a.b"):match("[.]"))
-- quantifiers
print(("aaa"):match("a*"), ("aaa"):match("a-"), ("aaa"):match("a+"), ("aaa"):match("a?"), ("baaa"):match("ba-$"))
print(("<a><b>"):match("<(.*)>"), ("<a><b>"):match("<(.-)>"))
print(("aaab"):match("a-b"), ("b"):match("a*b"), ("b"):match("a+b"))
-- anchored match, init argument
print(("hello"):match("^h"), ("hello"):match("^e"), ("hello"):match("l", 4), ("hello"):match("^l", 4))
print(("hello"):match(".", -1), ("hello"):match("^(.)", -2))
-- back references
print(("hello"):match("(l)%1"), ('say "hi" now'):match('(["\'])(.-)%1'))
print(("abcabc"):match("(abc)%1"), ("abab"):match("^(ab)%1$"))
-- balanced
print(("f(a(b)c)d"):match("%b()"), ("[[x]]"):match("%b[]"), ("no close ("):match("%b()"))
-- frontier
print(("THE (quick) brown fox"):gsub("%f[%a]%a+", "W"))
print(("hello"):match("%f[%l]%l+"), ("x1y2"):gsub("%f[%d]", "|"))
print(("aaa bbb"):gsub("%f[%w]%w+%f[%W]", "<%0>"))
-- position captures
print(("hello"):match("()ll()"))
-- empty captures and nested captures
print(("abc"):match("((a)(b))"))
print(("abc"):match("(a(b(c)))"))
-- match returns whole match when no captures
print(("abc"):match("b"), ("abc"):match(".+"))
-- special characters escaped
print(("1+1=2"):match("1%+1"), ("a.b"):match("a%.b"), ("50%"):match("%d+%%"))
-- patterns with embedded zeros
print(("a\0b"):match("a%zb") ~= nil, ("a\0b"):match("a\0b") ~= nil, #("x\0\0y"):match("\0+"))
-- errors
print(pcall(string.match, "x", "("))
print(pcall(string.match, "x", "%"))
print(pcall(string.match, "x", "[a"))
print(pcall(string.match, "x", "(()"))
print(pcall(string.match, "x", "%1"))
print(pcall(string.match, "x", "%b"))
print(pcall(string.match, "x", "%f"))
print(pcall(string.match, "x", "x)"))
