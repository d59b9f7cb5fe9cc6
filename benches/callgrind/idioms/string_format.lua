-- `string.format` with `%d`, `%s`, `%5.2f`.
local n = 0 for i = 1, 30000 do n = n + #string.format("%d:%s:%5.2f", i, "x", i / 3) end print(n)
