-- `table.concat` of a hundred strings.
local t = {} for i = 1, 100 do t[i] = tostring(i) end local n = 0 for r = 1, 2000 do n = n + #table.concat(t, ",") end print(n)
