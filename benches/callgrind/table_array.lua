-- Array part: fill, read-modify-write and sum with t[i], # and integer keys.
local sum = 0
for round = 1, 3 do
  local t = {}
  for i = 1, 100000 do t[i] = i * round end
  for i = 1, #t do t[i] = t[i] + 1 end
  for i = 1, #t do sum = sum + t[i] end
  for i = 1, 50000 do t[#t + 1] = i end
  sum = sum + #t
end
return sum
