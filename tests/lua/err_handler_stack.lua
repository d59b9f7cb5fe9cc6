-- A message handler runs after a stack overflow with only a little extra stack (Lua's
-- ERRORSTACKSIZE): a handler that recurses too deep is "error in error handling".
local function deep(n, f) if n == 0 then return f() end return (deep(n - 1, f)) end
local function so() return 1 + so() end
print(xpcall(so, function(m) return deep(10, function() return "handled 10" end) end))
print(xpcall(so, function(m) return deep(40, function() return "handled 40" end) end))
print(xpcall(so, function(m) return deep(100, function() return "handled 100" end) end))
print(xpcall(so, function(m) return deep(1000, function() return "handled 1000" end) end))
print(select("#", pcall(so)))
