-- tonumber with and without a base: signs, whitespace (including \v and \f), limits
local cases = {
  {"  101  ", 2}, {"+101", 2}, {"-101", 2}, {"\v+7f\f", 16}, {"\t-Zz\r\n", 36},
  {"+", 10}, {"-", 10}, {"", 10}, {"  ", 10}, {"+-1", 10}, {"1 1", 10}, {"12\0", 10},
  {"8", 8}, {"7", 8}, {"ffffffffffffffffff", 16}, {"1.5", 10}, {"0x10", 16},
}
for _, c in ipairs(cases) do
  print(string.format("%q", c[1]), c[2], tonumber(c[1], c[2]))
end
print(tonumber("\v12\v"), tonumber("\f0x1F\r"), tonumber(" +.5 "), tonumber("+ 1"))
print(pcall(tonumber, "10", 1))
print(pcall(tonumber, "10", 37))
print(pcall(tonumber, 10, 16))
print(pcall(tonumber, "10", "x"))
