-- error() with levels and values

local function lvl1() error("level one") end
local function lvl2() error("level two", 2) end
local function lvl0() error("level zero", 0) end
local function caller() lvl2() end  -- line 6: level 2 points here

print(pcall(lvl1))
print(pcall(caller))
print(pcall(lvl0))
print(pcall(error, "direct"))
print(pcall(error, "direct level 1", 1))
print(pcall(error, "direct level 2", 2))

local function deep3() error("deep", 3) end
local function deep2() deep3() end
local function deep1() deep2() end  -- line 17: level 3 points here
print(pcall(deep1))

-- non-string error values are returned unchanged (no position added)
print(pcall(error, 42))
print(pcall(error, 42, 1))
print(pcall(error, nil))
print(pcall(error, true))
local t = {code = 7}
local ok, e = pcall(error, t)
print(ok, e == t, e.code)
print(select('#', pcall(error)))

-- a number error value is converted? no: it stays a number
ok, e = pcall(function() error(3.5) end)
print(ok, e, math.type(e))

-- error objects with __tostring
local E = setmetatable({}, {__tostring = function() return "custom error object" end})
ok, e = pcall(function() error(E) end)
print(ok, e == E, tostring(e))

-- runtime errors carry position info
ok, e = pcall(function() local x = nil; return x.y end)
print(ok, e)

-- errors inside nested functions defined on different lines
local function outer()
  local function inner()
    error("from inner")
  end
  inner()
end
print(pcall(outer))

-- error messages with string formatting
print(pcall(function() error(string.format("value %d is bad", 5)) end))

-- rethrowing keeps the original position
print(pcall(function()
  local ok2, e2 = pcall(error, "original")
  error(e2, 0)
end))
print(pcall(function()
  local ok2, e2 = pcall(function() error("inner pos") end)
  error(e2)  -- adds a second position prefix
end))
