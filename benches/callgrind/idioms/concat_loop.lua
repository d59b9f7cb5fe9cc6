-- A string built by `..` in a loop.
local n = 0 for r = 1, 2000 do local s = "" for i = 1, 30 do s = s .. "ab" end n = n + #s end print(n)
