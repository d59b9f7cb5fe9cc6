-- setmetatable / getmetatable / __metatable

local t = {}
local mt = {}
print(setmetatable(t, mt) == t, getmetatable(t) == mt)
print(getmetatable({}), getmetatable(1), getmetatable(nil), getmetatable(print))
print(getmetatable("abc").__index == string)

-- removing a metatable
setmetatable(t, nil)
print(getmetatable(t))

-- protected metatables
local p = setmetatable({}, {__metatable = "locked"})
print(getmetatable(p))
print(pcall(setmetatable, p, {}))
print(pcall(setmetatable, p, nil))
local pf = setmetatable({}, {__metatable = false})
print(getmetatable(pf))
print(pcall(setmetatable, pf, {}))
-- the string metatable is protected? no: it has no __metatable field in 5.4
print(getmetatable("").__metatable)

-- argument errors
print(pcall(setmetatable, 1, {}))
print(pcall(setmetatable, {}, 1))
print(pcall(setmetatable, {}))
print(pcall(getmetatable))

-- metatables are shared
local shared = {__index = function(_, k) return k .. "?" end}
local a, b = setmetatable({}, shared), setmetatable({}, shared)
print(a.x, b.y, getmetatable(a) == getmetatable(b))
shared.__index = function(_, k) return k .. "!" end
print(a.x, b.y)

-- metamethods added after setmetatable take effect
local late = setmetatable({}, {})
getmetatable(late).__call = function() return "now callable" end
print(late())
getmetatable(late).__index = {field = "late field"}
print(late.field)

-- metatable of a metatable is irrelevant for metamethod lookup (rawget)
local meta = setmetatable({}, {__index = {__add = function() return "inherited add" end}})
local obj = setmetatable({}, meta)
print(pcall(function() return obj + 1 end))
