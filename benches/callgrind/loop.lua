-- Nested integer loops with arithmetic (numeric for, add, mul, mod, bitwise, compare).
local s = 0
for i = 1, 600 do
  for j = 1, 600 do
    local x = i * j + (i ~ j)
    if x % 3 == 0 then s = s + x else s = s - (x & 7) end
  end
end
return s
