-- __eq

local mt = {__eq = function(a, b) return a.id == b.id end}
local a = setmetatable({id = 1}, mt)
local b = setmetatable({id = 1}, mt)
local c = setmetatable({id = 2}, mt)
print(a == b, a ~= b, a == c, a ~= c, rawequal(a, b))

-- only one operand needs the metamethod
local plain = {id = 1}
print(a == plain, plain == a)

-- __eq is not called for different types or for identical objects
local calls = 0
local counting = {__eq = function() calls = calls + 1 return true end}
local x = setmetatable({}, counting)
print(x == x, x == 1, x == "x", x == nil, calls)
print(x == {}, calls)

-- result is converted to boolean
local tf = setmetatable({}, {__eq = function() return "yes" end})
print(tf == {}, tf ~= {})
local nf = setmetatable({}, {__eq = function() return nil end})
print(nf == {}, nf ~= {})

-- the first operand's metamethod is used, then the second's
local L = setmetatable({}, {__eq = function() return "left" ~= nil end})
local R = setmetatable({}, {__eq = function() return false end})
print(L == R, R == L)

-- table keys use raw equality, not __eq
local t = {}
t[a] = "a"
print(t[a], t[b])

-- __eq in table.remove-like searches done in Lua
local list = {setmetatable({id = 5}, mt), setmetatable({id = 6}, mt)}
local probe = setmetatable({id = 6}, mt)
for i, v in ipairs(list) do if v == probe then print("found at", i) end end

-- __eq is not used for numbers/strings
print(1 == 1.0, "a" == "a")
