-- `x - 0` is coded by lua5.4 as `x + -0` (ADDI with the negated immediate), so for x = -0.0
-- the result is 0.0, not -0.0; `x - k` for other immediates is the same either way.
local x = -0.0
print(x - 0, x + 0, x - 0.0, x - 1, -0.0 - 0, (-0.0) - 0)
local y = 0.0
print(y - 0, -y - 0)
-- the same inside a loop (run by the interpreter's small loop for loops)
local n = -0.0
local z = 1.0
for i = 1, 100 do
  z = (n * i) - 0
end
print(z, 1 / z)
local w = 1.0
for i = 1, 100 do
  w = (n * i) - 0.0
end
print(w, 1 / w)
