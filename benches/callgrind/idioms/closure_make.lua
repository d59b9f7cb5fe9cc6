-- A closure made and called in a loop.
local n = 0 for i = 1, 50000 do local f = function() return i end n = n + f() end print(n)
