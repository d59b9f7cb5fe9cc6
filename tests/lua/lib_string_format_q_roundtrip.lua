-- %q writes values that load reads back exactly (same subtype, same bits)
local vals = {math.mininteger, math.maxinteger, 0, -0.0, 0.0, 1/0, -1/0, 0.1, -1.5, 2^63,
  1e308, 5e-324, 3.0, -3.0, 1e100, 2^-1074, -2^1023, 1e15,
  "a\0b\n\r\t\"\\\1\0012\255\127", "", "\r\n\0001\0a\2009", true, false}
for i = 1, #vals do
  local v = vals[i]
  local s = string.format("%q", v)
  local back = load("return " .. s)()
  local same = back == v and (math.type(back) == math.type(v))
  if type(v) == "number" and v == 0 then same = same and (1 / back == 1 / v) end
  print(i, s, same, string.format("%q", back) == s)
end
print(string.format("%q", nil), load("return " .. string.format("%q", nil))())
local nan = load("return " .. string.format("%q", 0/0))()
print(string.format("%q", 0/0), nan ~= nan)
print(pcall(string.format, "%q", {}))
print(pcall(string.format, "%q", print))
print(pcall(string.format, "%10q", 1))
print(string.format("%q|%q", string.rep("x\0", 3), 7))
