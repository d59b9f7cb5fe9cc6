-- `table.insert(t, v)` appending.
local t = {} for r = 1, 30 do t = {} for i = 1, 2000 do table.insert(t, i) end end print(#t)
