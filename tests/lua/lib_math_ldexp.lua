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
