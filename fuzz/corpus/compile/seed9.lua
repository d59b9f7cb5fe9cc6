-- floor division and modulo with every sign combination, ints and floats

local vals = {7, -7, 7.0, -7.0, 7.5, -7.5}
local divs = {2, -2, 2.0, -2.0, 3, -3, 0.5}
for _, a in ipairs(vals) do
  for _, b in ipairs(divs) do
    print(a, b, a // b, a % b, math.type(a // b), math.type(a % b))
  end
end

-- by zero
print(7 // 0.0, -7 // 0.0, 0 // 0.0 ~= 0 // 0.0)
print(7 % 0.0 ~= 7 % 0.0, 7.0 % 0 ~= 7.0 % 0)
print(pcall(function(a) return a // 0 end, 3))
print(pcall(function(a) return a % 0 end, 3))
print(pcall(function(a, b) return a // b end, 3, 0))
print(pcall(function(a, b) return a % b end, -3, 0))

-- infinities
print(5 % math.huge, -5 % math.huge, 5 % -math.huge, -5 % -math.huge)
print(5 // math.huge, -5 // math.huge, math.huge // 1, math.huge % 2 ~= math.huge % 2)

-- limits
print(math.mininteger // -1, math.mininteger % -1)
print(math.maxinteger // -1, math.maxinteger % -1)
print(math.mininteger // 1, math.mininteger % 1)
print(3 % math.mininteger, -3 % math.mininteger, 3 // math.mininteger)

-- identity a == (a // b) * b + a % b for integers
local ok = true
for a = -20, 20 do
  for b = -6, 6 do
    if b ~= 0 and (a // b) * b + a % b ~= a then ok = false print("bad", a, b) end
  end
end
print("identity holds", ok)

-- float modulo precision-friendly cases
print(5.5 % 1, -5.5 % 1, 5.5 // 1, -5.5 // 1)
print(1e16 % 3, 2^53 // 3)
