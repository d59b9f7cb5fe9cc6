-- Varargs passed on and packed into a table.
local function f(...) local t = {...} return #t end local function g(...) return f(...) end local n = 0 for i = 1, 50000 do n = n + g(i, i, i) end print(n)
