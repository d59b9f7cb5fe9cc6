-- `select("#", ...)` and `select(i, ...)` over varargs.
local function f(...) local s = 0 for i = 1, select("#", ...) do s = s + (select(i, ...)) end return s end local n = 0 for i = 1, 20000 do n = n + f(1, 2, 3, 4, 5) end print(n)
