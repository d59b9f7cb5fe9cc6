-- A table that is its own metatable, with and without __newindex.
local t = {}
setmetatable(t, t)
t.x = 1
print(rawget(t, "x"))
t.__newindex = function(tt, k, v) rawset(tt, k, v * 2) end
t.y = 5
print(rawget(t, "y"))
rawset(t, "__index", t)
local u = setmetatable({}, t)
print(t.y, rawequal(getmetatable(u), t))

u.w = 3
print(rawget(u, "w"), rawget(t, "w"))
