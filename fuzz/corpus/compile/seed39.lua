-- raw access functions

local mt = {
  __index = function() return "meta-index" end,
  __newindex = function() error("meta-newindex called") end,
  __len = function() return 99 end,
  __eq = function() return true end,
}
local t = setmetatable({}, mt)
print(t.x, rawget(t, "x"))
rawset(t, "x", 1)
print(t.x, rawget(t, "x"))
print(#t, rawlen(t))
rawset(t, 1, "a")
rawset(t, 2, "b")
print(#t, rawlen(t))
local u = setmetatable({}, mt)
print(t == u, rawequal(t, u), rawequal(t, t))
print(rawequal(1, 1.0), rawequal("a", "a"), rawequal(nil, nil), rawequal(0, -0), rawequal(0/0, 0/0))

-- rawset returns the table
print(rawset(t, "y", 2) == t)

-- argument checks
print(pcall(rawget, "str", 1))
print(pcall(rawset, 1, 1, 1))
print(pcall(rawlen, 5))
print(pcall(rawequal, 1))
print(pcall(rawget, {}))
print(rawlen("hello"), rawlen({1, 2, 3}))

-- rawset with float keys normalises
local r = {}
rawset(r, 2.0, "two")
print(r[2], math.type(next(r)))
print(pcall(rawset, r, 0/0, 1))
