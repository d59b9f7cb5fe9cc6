-- __tostring and __name

local T = setmetatable({}, {__tostring = function(self) return "I am T" end})
print(T, tostring(T))
print(string.format("%s|%s", T, 1))

-- __tostring must return a string
local bad = setmetatable({}, {__tostring = function() return 42 end})
print(pcall(tostring, bad))
local bad2 = setmetatable({}, {__tostring = function() return nil end})
print(pcall(tostring, bad2))
print(pcall(print, bad))

-- __tostring raising an error
local err = setmetatable({}, {__tostring = function() error("tostring failed", 0) end})
print(pcall(tostring, err))

-- __name is used by tostring (with an address, so only check the prefix)
local named = setmetatable({}, {__name = "MyType"})
print(tostring(named):match("^MyType: ") ~= nil)
-- __name must be a string to be used
local notname = setmetatable({}, {__name = 42})
print(tostring(notname):match("^table: ") ~= nil)

-- __name in error messages for bad arguments
print(pcall(string.rep, named, 2))
print(pcall(math.floor, named))

-- __tostring takes precedence over __name
local both = setmetatable({}, {__name = "N", __tostring = function() return "custom" end})
print(both)

-- tostring of basic values
print(tostring(nil), tostring(true), tostring(false), tostring(12), tostring(1.5), tostring("s"))
print(tostring(print):match("^function: ") ~= nil, tostring(print) == tostring(print))
print(type(tostring({})), tostring({}):match("^table: ") ~= nil)

-- __tostring used by error objects at top of pcall? (no: pcall returns the object itself)
local eo = setmetatable({msg = "E"}, {__tostring = function(s) return "error:" .. s.msg end})
local ok, e = pcall(error, eo)
print(ok, e == eo, tostring(e))

-- print calls __tostring for each argument
local cnt = 0
local counted = setmetatable({}, {__tostring = function() cnt = cnt + 1 return "#" .. cnt end})
print(counted, counted, counted)
