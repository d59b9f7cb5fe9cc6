-- `table.unpack` of five values.
local t = {1, 2, 3, 4, 5} local n = 0 for i = 1, 50000 do local a, b, c, d, e = table.unpack(t) n = n + a + e end print(n)
