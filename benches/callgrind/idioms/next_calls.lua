-- `next` called explicitly (a `while` loop over a hash part).
local t = {} for i = 1, 100 do t["k"..i] = i end local n = 0 for r = 1, 2000 do local k, v = next(t) while k do n = n + v k, v = next(t, k) end end print(n)
