-- "attempt to index" messages with variable descriptions

print(pcall(function() return undefined_global.x end))
print(pcall(function() local x; return x.y end))
print(pcall(function() local t = {} return t.y.z end))
local up
print(pcall(function() return up.field end))
print(pcall(function() local t = {} t.a.b = 1 end))
print(pcall(function() undefined_global.x = 1 end))
print(pcall(function() local s = "str" return s.x.y end))
print(pcall(function() local n = 5 return n.x end))
print(pcall(function() local b = true return b[1] end))
print(pcall(function() return (nil)[1] end))
print(pcall(function() local t = {} return t[1][2] end))
print(pcall(function() local t = {} local k = "key" return t[k].x end))
print(pcall(function() local f = function() end return f.x end))
print(pcall(function() return math.nothing.x end))
print(pcall(function() local a = {b = {}} return a.b.c.d end))
print(pcall(function() return ("x"):nomethod() end))
print(pcall(function() local t = setmetatable({}, {__index = function(t, k) return nil end}) return t.a.b end))
-- indexing the result of a call
print(pcall(function() local function f() end return f().x end))
-- upvalue table
local cfg = nil
print(pcall(function() cfg.x = 1 end))
