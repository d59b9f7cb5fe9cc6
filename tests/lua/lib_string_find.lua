-- string.find

local s = "hello world, hello lua"
print(s:find("hello"), s:find("hello", 2), s:find("hello", -9), s:find("xyz"))
print(s:find("o", 1, true), s:find("l+"), s:find("l+", 5))
print(s:find(""), s:find("", 10), s:find("", #s + 1), s:find("", #s + 2))
print(s:find("h", -100), s:find("a", -1), s:find("a", 100))
-- plain find with magic characters
print(("a.b*c"):find(".", 1, true), ("a.b*c"):find("*", 1, true), ("a+b"):find("+", 1, true))
print(("a.b"):find("%."), ("a.b"):find("."))
-- captures are returned after the indices
print(s:find("(h)(e)(l+)"))
print(s:find("()ll()"))
print(s:find("w(or)ld"))
-- anchors
print(s:find("^hello"), s:find("^world"), s:find("lua$"), s:find("hello$"))
print(("^a"):find("^^a"), ("a$b"):find("a$b"), ("a$"):find("a$", 1, true))
-- init beyond the end / negative
print(("abc"):find("c", 3), ("abc"):find("c", 4), ("abc"):find("", 4), ("abc"):find("", 5))
print(("abc"):find("a", 0), ("abc"):find("a", -3), ("abc"):find("b", -1))
-- special characters in subject
print(("a\0b\0c"):find("\0"), ("a\0b\0c"):find("b\0"), ("a\0b"):find("%z"))
print(("tab\there"):find("%s"), ("x\ny"):find("\n"))
-- find with frontier and balanced patterns
print(("THE (quick) fox"):find("%f[%a]%a+"), ("THE (quick) fox"):find("%b()"))
-- numbers are converted to strings
print(string.find(12345, 34), string.find(1.5, ".", 1, true))
-- many matches via loop
local positions = {}
local init = 1
while true do
  local a, b = s:find("l", init, true)
  if not a then break end
  positions[#positions + 1] = a
  init = b + 1
end
print(table.concat(positions, ","))
