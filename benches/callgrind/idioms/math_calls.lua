-- `math.floor` and `math.max` called from a loop.
local n = 0 for i = 1, 200000 do n = n + math.floor(i / 3) + math.max(i, 5) end print(n)
