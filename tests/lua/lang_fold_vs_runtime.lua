-- Constant folding and the interpreter compute the same numbers: every operator on every pair
-- of edge values, once as a constant expression (which the compiler folds when it safely can)
-- and once on locals (computed at run time). A line says "MISMATCH" where the two differ.
-- Numerals read by the lexer and by tonumber must agree too, to the last bit.

local mi, ma = math.mininteger, math.maxinteger
local values = {0, 1, -1, 3, -7, 63, 64, mi, ma, 0.0, -0.0, 1.5, -7.5, 2.0, 0.1,
                math.huge, -math.huge, 2^63}

-- source text that reads back as exactly `v`, as a constant expression (parenthesized:
-- `-1 ^ 2` is `-(1 ^ 2)`)
local function lit(v)
  if math.type(v) == "integer" then
    if v == mi then return "(-9223372036854775807 - 1)" end
    return "(" .. string.format("%d", v) .. ")"
  end
  if v == math.huge then return "(1e999)" elseif v == -math.huge then return "(-1e999)" end
  return "(" .. string.format("%a", v) .. ")"
end

local function show(ok, r)
  -- an error, without position and variable names (a folded operand has none)
  if not ok then return "E(" .. tostring(r):gsub("^.*:%d+: ", ""):gsub(" %b()", "") .. ")" end
  return math.type(r) .. ":" .. string.format("%.17g", r)
end

local binary = {"+", "-", "*", "/", "//", "%", "^", "&", "|", "~", "<<", ">>"}
for _, op in ipairs(binary) do
  local run = load("local x, y = ... return x " .. op .. " y")
  for _, a in ipairs(values) do
    local line = {}
    for _, b in ipairs(values) do
      -- (`x - 0` is left out: lua5.4 codes it as `x + -0`, so `-0.0 - 0` is 0.0 there, a
      -- code generator difference that lang_sub_zero.lua pins on its own)
      if op == "-" and b == 0 and math.type(b) == "integer" then goto next end
      local folded = show(pcall(load("return " .. lit(a) .. " " .. op .. " " .. lit(b))))
      local runtime = show(pcall(run, a, b))
      line[#line + 1] = folded == runtime and folded or ("MISMATCH " .. folded .. " vs " .. runtime)
      ::next::
    end
    print(lit(a) .. " " .. op, table.concat(line, " "))
  end
end
for _, op in ipairs({"-", "~"}) do
  local run = load("local x = ... return " .. op .. " x")
  local line = {}
  for _, a in ipairs(values) do
    local folded = show(pcall(load("return " .. op .. " " .. lit(a))))
    local runtime = show(pcall(run, a))
    line[#line + 1] = folded == runtime and folded or ("MISMATCH " .. folded .. " vs " .. runtime)
  end
  print("unary " .. op, table.concat(line, " "))
end

-- the lexer's numerals and tonumber's: same value, same subtype
local numerals = {"0x1.0000000000000800000001p0", "0x1.fffffffffffff7ffp0", "0x1.fffffffffffff8p0",
  "0x123456789abcdef0123.8p0", "0x123456789abcdef0123", "0xffffffffffffffff", "9223372036854775807",
  "9223372036854775808", "1e500", "0x1p-1074", "0x1p-1075", "0x1.8p-1074", "0x.1", "1.e5", "5.",
  "2.4703282292062328e-324", "1.7976931348623159e308", "123456789012345678901234567890",
  "0x0.00000000000000000000000001p0", "0xffffffffffffffffffffffff.0p0", "0x1p99999999999999999999"}
for _, s in ipairs(numerals) do
  local lexed = load("return " .. s)()
  local converted = tonumber(s)
  local a, b = show(true, lexed), show(true, converted)
  print(s, a, a == b and "same" or ("MISMATCH tonumber " .. b))
end

-- printing: tostring (%.14g) and the formats of string.format
for _, v in ipairs({1e15, 1e16, 2^53, 2^63, -2^63, 1e100, 1e-5, 1e-4, 5e-324, 9.99999999999995,
                    99999999999999.5, 0.1, 1/3, -0.0, math.huge, -math.huge}) do
  print(tostring(v), string.format("%g %.3e %.2f %#.3g %.14g %.0f", v, v, v, v, v, v))
end
local z = 0.0
print(tostring(z / z), tostring(-(z / z)), string.format("%g %G", z / z, -(z / z)))
print(math.mininteger // -1, math.mininteger % -1, 1 << 64, 1 >> 64, -1 >> 63, 1 << -1, -1 << -64)
