-- `#t` of an array in a loop.
local t = {} for i = 1, 1000 do t[i] = i end local s = 0 for r = 1, 200 do for i = 1, #t do s = s + #t end end print(s)
