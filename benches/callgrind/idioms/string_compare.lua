-- `<` between strings.
local a = {} for i = 1, 1000 do a[i] = "k" .. (i * 7919 % 1000) end local n = 0 for r = 1, 100 do for i = 2, #a do if a[i] < a[i-1] then n = n + 1 end end end print(n)
