-- string.format: %s, %q and errors

local f = string.format
print(f("%s %s %s %s", "str", 1, 1.5, true))
print(f("%s", nil), f("%s", false))
print(f("%10s|%-10s|%.2s|%5.1s|", "abc", "abc", "abc", "abc"))
print(f("%s", setmetatable({}, {__tostring = function() return "TOSTR" end})))
print(f("%s and %s", "a\0b", "c"):byte(1, -1))
print(f("%q", "simple"))
print(f("%q", 'with "quotes" and \\ backslash'))
print(f("%q", "new\nline and\ttab and \r cr"))
print(f("%q", "\0\1\2\127\200\255"))
print(f("%q", "\0001"))
print(f("%q", 42), f("%q", -7), f("%q", math.mininteger))
print(f("%q", 1.5), f("%q", 1e100), f("%q", -0.0), f("%q", 2^53))
print(f("%q", 1 / 0), f("%q", -1 / 0), f("%q", 0 / 0))
print(f("%q", true), f("%q", false), f("%q", nil))
print(pcall(f, "%q", {}))
print(pcall(f, "%q", print))
print(pcall(f, "%10q", "x"))
-- %q output can be loaded back
for _, v in ipairs({"a\0b\n\"'\\", 123, -0.5, 1e300, math.maxinteger, math.mininteger, 0.1}) do
  local back = load("return " .. f("%q", v))()
  print(back == v, math.type(back) == math.type(v))
end
-- errors
print(pcall(f, "%", 1))
print(pcall(f, "%z", 1))
print(pcall(f, "%s"))
print(pcall(f))
print(pcall(f, "%123d", 1))
print(pcall(f, "%1234567890d", 1))
print(pcall(f, "%-#0+ 5d", 1))
print(pcall(f, "%ld", 1))
-- many arguments and no arguments
print(f("no conversions"), f("%s%s%s%s%s%s%s%s%s%s", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
print(f("%s", 1, 2, 3))
print(f("%5.2s|", "abc"))
print(#f("%099d", 1), #f("%99s", "x"))
