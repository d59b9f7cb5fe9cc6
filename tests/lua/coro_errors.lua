-- errors crossing coroutine boundaries

-- an error in a nested coroutine is returned by the inner resume only
local outer = coroutine.create(function()
  local inner = coroutine.create(function() error("inner failure", 0) end)
  local ok, e = coroutine.resume(inner)
  coroutine.yield("inner said: " .. tostring(ok) .. " " .. e)
  return "outer finished"
end)
print(coroutine.resume(outer))
print(coroutine.resume(outer))

-- error values of any type pass through resume unchanged
for _, v in ipairs({42, true, "str"}) do
  local co = coroutine.create(function() error(v, 0) end)
  print(coroutine.resume(co))
end
local tbl = {}
print(select(2, coroutine.resume(coroutine.create(function() error(tbl) end))) == tbl)

-- coroutine.wrap adds the caller position to string errors
local dead = coroutine.wrap(function() end)
dead()
print(pcall(dead))
print(pcall(function() dead() end))
local w = coroutine.wrap(function() error("wrapped", 0) end)
print(pcall(function() w() end))
local w2 = coroutine.wrap(function() error({}) end)
local okw2, ew2 = pcall(function() w2() end)
print(okw2, type(ew2))

-- pcall inside a coroutine catches errors raised after a yield
local co = coroutine.create(function()
  local ok, e = pcall(function()
    coroutine.yield("yield inside pcall")
    error("raised after resume", 0)
  end)
  coroutine.yield("pcall result: " .. tostring(ok) .. ", " .. e)
  error("uncaught at the end", 0)
end)
print(coroutine.resume(co))
print(coroutine.resume(co))
print(coroutine.resume(co))
print(coroutine.status(co), coroutine.resume(co))

-- an error in a coroutine does not disturb the caller's pcall state
print(pcall(function()
  local c = coroutine.create(function() local x = nil return x.field end)
  local ok, e = coroutine.resume(c)
  return "caller continues", ok, e
end))

-- errors from resume arguments
print(pcall(coroutine.resume))
print(pcall(coroutine.status, "x"))
print(pcall(coroutine.wrap))
print(pcall(coroutine.close, coroutine.create(print), 1))

-- a coroutine that errors inside a metamethod
local mt = {__add = function() error("bad add", 0) end}
local c2 = coroutine.create(function() return setmetatable({}, mt) + 1 end)
print(coroutine.resume(c2))

-- xpcall inside a coroutine with a yield in the protected function
local c3 = coroutine.create(function()
  return xpcall(function()
    local v = coroutine.yield("in xpcall body")
    error("failed with " .. v, 0)
  end, function(m) return "handler: " .. m end)
end)
print(coroutine.resume(c3))
print(coroutine.resume(c3, "resumed value"))

-- yielding from the main thread via a wrapped function called outside any coroutine
print(pcall(function() coroutine.yield() end))

-- error with level inside a coroutine points at the right line
local c4 = coroutine.create(function()
  local function check() error("level two", 2) end
  check()  -- the error points at this line
end)
print(coroutine.resume(c4))
