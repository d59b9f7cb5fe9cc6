-- An `ipairs` loop over an array.
local t = {}
for i = 1, 1000 do t[i] = i end
local s = 0
for r = 1, 300 do
  for i, v in ipairs(t) do s = s + v end
end
print(s)
