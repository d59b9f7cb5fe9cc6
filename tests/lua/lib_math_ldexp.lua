-- math.ldexp rounds once, as C's ldexp: results in the subnormal range reached by large
-- negative exponents (a scaling in steps must not round twice), and huge exponents both
-- ways. The exponent is converted with C's (int), keeping its low 32 bits.
local seed = 12345
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n end
local out = {}
for i = 1, 2000 do
  local m = 1 + rnd(2^30) / 2^30 + rnd(2^22) / 2^52
  local lx = -(23 + rnd(37))
  local x = m * 2.0^lx
  local e = -1022 - lx - 1 - rnd(53)
  if rnd(2) == 0 then x = -x end
  out[#out + 1] = string.format("%a", math.ldexp(x, e))
end
local h = 0
for _, s in ipairs(out) do for k = 1, #s do h = (h * 31 + s:byte(k)) % 4294967296 end end
print(#out, h)
for i = 1, 8 do print(out[i]) end
for _, e in ipairs{-2200, -2100, -1075, -1074, -1023, 1023, 1024, 2000, 2100} do
  print(e, string.format("%a %a", math.ldexp(1.5, e), math.ldexp(2^-1074, -e)))
end
print(math.ldexp(1, 2^32), math.ldexp(1, 2^32 + 1), math.ldexp(1, -2^32 + 3))
print(math.ldexp(3, 2^31), math.ldexp(1, 1 << 63), math.ldexp(-0.0, 5), math.ldexp(1/0, -5))
print(string.format("%a", 0x1.ffffffffffffep-1060), string.format("%a", 0x1.0000000000001p-1070))
-- Hexadecimal numerals with subnormal values round once, as strtod: 15 to 17 hex digits,
-- some past the 60 bits kept (a sticky bit), and ties.
local digits = "0123456789abcdef"
local hs = 0
for i = 1, 2000 do
  local t = {"0x1."}
  local n = 13 + rnd(5)
  for k = 1, n do
    local d = rnd(16)
    if rnd(3) == 0 then d = (rnd(2) == 0) and 0 or 8 end
    t[#t + 1] = digits:sub(d + 1, d + 1)
  end
  local s = table.concat(t) .. "p-" .. (1022 + rnd(56))
  local v = string.format("%a", tonumber(s))
  assert(v == string.format("%a", load("return " .. s)()))
  for k = 1, #v do hs = (hs * 31 + v:byte(k)) % 4294967296 end
end
print("hex", hs)
print(string.format("%a %a", 0x1.08000000000001p-1070, 0x1.08p-1070))
