-- `pcall` of a small Lua function in a loop.
local function f(x) return x + 1 end local n = 0 for i = 1, 50000 do local ok, v = pcall(f, i) n = n + v end print(n)
