-- float to string conversion ("%.14g") across many magnitudes

for e = -12, 22, 2 do io.write(10.0 ^ e, " ") end
print()
for e = -4, 70, 6 do io.write(2.0 ^ e, " ") end
print()
print(1/3, 2/3, 1/7, 22/7, 0.1 * 3, 0.3, 1 - 0.9)
print(123.456, -123.456, 1234567.0, 12345678901234.0, 123456789012345.0, 1234567890123456.0)
print(99999999999999.0, 999999999999999.0, 9999999999999999.0)
print(0.1 + 0.7, 4.35 * 100, 1.1 * 1.1, 3 * 1.1)
print(5e-324, 2.2250738585072014e-308, 1.7976931348623157e308)
print(1e15, 1e15 + 1, 1e16 + 1, 2^53 - 1, 2^53, 2^53 + 2)
print(-1e-7, 1.5e-7, 123e-9, 1e-300 * 1e-300)
print(100.0, 1000000.0, 1e14, 1e14 + 0.5, 314.0e-2)
print(0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625)
print(7.0, -7.0, 7.5, -7.25, 1e2, 1.0e0)
print(2^31, 2^32, 2^63, -2^63, 2^64, 2^100)
print(math.pi * 1e10, math.pi * 1e-10, -math.pi)
print(3.0 == 3, tostring(3.0), tostring(-0.0), 3.0 .. "", -0.0 .. "")
-- integers near float precision limits converted to float
print(9007199254740993 + 0.0, math.maxinteger + 0.0, math.mininteger + 0.0, (2^53 + 1) // 1)
-- string.format %.14g agrees with tostring for floats
local ok = true
for _, v in ipairs({0.1, 1/3, 1e100, 123.456, 2^63, 5e-324, 1e15, 1e16}) do
  local s = string.format("%.14g", v)
  if tostring(v) ~= s and tostring(v) ~= s .. ".0" then ok = false print("mismatch", v, s) end
end
print("format agrees", ok)
