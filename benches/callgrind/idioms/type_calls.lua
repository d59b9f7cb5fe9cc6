-- `type(v)` compared with a constant, over values of several types.
local vs = {1, "s", {}, true, 2.5, print} local n = 0 for r = 1, 20000 do for i = 1, #vs do if type(vs[i]) == "table" then n = n + 1 end end end print(n)
