-- pcall and xpcall

print(pcall(function() return 1, 2, 3 end))
print(pcall(function(...) return select('#', ...) end, nil, nil))
print(pcall(error, "msg", 0))

-- nested pcall
print(pcall(pcall, error, "inner"))
print(pcall(function()
  local ok, e = pcall(error, "first", 0)
  return "caught: " .. e
end))
print(pcall(function()
  local ok, e = pcall(error, "first", 0)
  error("second: " .. e, 0)
end))

-- xpcall with a handler that sees the message
print(xpcall(function() error("oops", 0) end, function(m) return "handled: " .. m end))
print(xpcall(function() return "fine", 2 end, function(m) return "never" end))
print(xpcall(function(a, b) return a + b end, print, 3, 4))
-- handler receives non-string errors too
print(xpcall(function() error({code = 1}) end, function(e) return type(e), e.code end))
-- handler result count: only the first result is returned? (all of them)
print(xpcall(function() error("x", 0) end, function(m) return 1, 2, 3 end))
-- handler for runtime errors gets the positioned message
print(xpcall(function() local t = nil; return t.x end, function(m) return "H:" .. m end))
-- error in the handler
print(xpcall(function() error("orig", 0) end, function(m) error("handler failed", 0) end))
-- handler returning nothing
print(xpcall(function() error("e", 0) end, function() end))
-- xpcall argument errors
print(pcall(xpcall))
print(pcall(xpcall, print))
-- the handler must be a function (a callable table is rejected)
print(pcall(xpcall, function() error("e", 0) end, setmetatable({}, {__call = function(_, m) return "tbl:" .. m end})))

-- pcall returning many values
local function many() return table.unpack({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) end
print(pcall(many))

-- pcall protects against errors in metamethods
local t = setmetatable({}, {__index = function(_, k) error("no field " .. k, 2) end})
print(pcall(function() return t.missing end))

-- deep nesting of pcall
local function nest(n)
  if n == 0 then error("bottom", 0) end
  local ok, e = pcall(nest, n - 1)
  return e .. "<" .. n
end
print(nest(10))

-- pcall of a non-function value
print(pcall(1))
print(pcall({}))
print(pcall(setmetatable({}, {__call = function(_, x) return "called with " .. tostring(x) end}), "arg"))

-- error with level pointing into pcall
print(pcall(error, "lvl2", 2))
