-- __concat and __len

local C = setmetatable({name = "C"}, {__concat = function(a, b)
  local function s(x) return type(x) == "table" and x.name or tostring(x) end
  return "[" .. s(a) .. "+" .. s(b) .. "]"
end})
print(C .. "x", "x" .. C, C .. 1, 1 .. C, C .. C)
print("a" .. "b" .. C)   -- right associative: "b" .. C first
print(C .. "a" .. "b")   -- "a" .. "b" first, then C .. "ab"
print(1 .. 2 .. C .. 3 .. 4)

-- concat metamethod returning a non-string
local N = setmetatable({}, {__concat = function() return 42 end})
print(N .. "x", type(N .. "x"))

-- concat with booleans/nil through metamethod
print(C .. true, nil .. C)

-- no metamethod: error
print(pcall(function() return {} .. "x" end))
print(pcall(function() return "x" .. setmetatable({}, {}) end))

-- __len
local L = setmetatable({1, 2, 3}, {__len = function(t) return rawlen(t) * 10 end})
print(#L, rawlen(L))
local L2 = setmetatable({}, {__len = function() return "not a number" end})
print(#L2)
local L3 = setmetatable({}, {__len = function() return 1, 2 end})
print(#L3)
-- __len used by ipairs? no. used by table.insert / table.unpack? yes (via luaL_len)
local L4 = setmetatable({}, {__len = function() return 2 end})
table.insert(L4, "x")
print(rawget(L4, 3))
print(table.unpack(setmetatable({}, {__len = function() return 3 end, __index = function(_, i) return i * 2 end})))
print(pcall(table.insert, setmetatable({}, {__len = function() return "x" end}), 1))
-- __len on strings is not consulted (strings use their byte length)
print(#"abc")
