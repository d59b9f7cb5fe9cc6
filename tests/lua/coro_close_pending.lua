-- To-be-closed variables of a coroutine that dies by error stay pending until
-- coroutine.close (or the coroutine's wrap function) closes them (manual §3.3.8).
local function func2close(f) return setmetatable({}, {__close = f}) end
local log = {}
local function note(s) log[#log + 1] = s; print(s) end

local co = coroutine.create(function()
  local x <close> = func2close(function(_, e) note("closing x " .. tostring(e)) end)
  local y <close> = func2close(function(_, e) note("closing y " .. tostring(e)); error("in y", 0) end)
  error("boom", 0)
end)
print(coroutine.resume(co))
print(coroutine.status(co), #log)   -- nothing closed yet
print(debug.traceback(co))
print(coroutine.close(co))           -- false, last error
print(coroutine.status(co), #log)
print(coroutine.close(co))           -- true now

-- a table error object is passed as is
local E = {}
local co2 = coroutine.create(function()
  local x <close> = func2close(function(_, e) note("x2 got E: " .. tostring(e == E)) end)
  error(E)
end)
local ok, e = coroutine.resume(co2)
print(ok, e == E, #log)
local ok2, e2 = coroutine.close(co2)
print(ok2, e2 == E)

-- wrap closes the pending variables before raising; a __close error replaces the error
local w = coroutine.wrap(function()
  local a <close> = func2close(function(_, e) note("a " .. tostring(e)) end)
  local b <close> = func2close(function(_, e) note("b " .. tostring(e)); error("from b") end)
  error("from body")
end)
print(pcall(w))
local w2 = coroutine.wrap(function()
  local a <close> = func2close(function(_, e) note("a2 " .. tostring(e)) end)
  error("from body2")
end)
local function callw2() return w2() end
print(pcall(callw2))
print(pcall(w2))   -- dead now

-- a __close that yields while its coroutine unwinds an error to a pcall inside it
local co3 = coroutine.wrap(function()
  local ok, err = pcall(function()
    local c <close> = func2close(function(_, e)
      note("c3 before yield " .. tostring(e))
      coroutine.yield("yielded from __close")
      note("c3 after yield")
    end)
    error("unwinding", 0)
  end)
  note("pcall gave " .. tostring(ok) .. " " .. tostring(err))
  return "done"
end)
print(co3())
print(co3())

-- closing a suspended coroutine: handlers get nil; one that errors sets the result
local co4 = coroutine.create(function()
  local a <close> = func2close(function(_, e) note("a4 " .. tostring(e)) end)
  local b <close> = func2close(function(_, e) note("b4 " .. tostring(e)); error("b4 failed", 0) end)
  coroutine.yield(1)
end)
print(coroutine.resume(co4))
print(coroutine.close(co4))
print(coroutine.status(co4))

-- pcall as the coroutine body: the error in the body is caught inside the coroutine
local co5 = coroutine.create(pcall)
print(coroutine.resume(co5, function()
  local a <close> = func2close(function(_, e) note("a5 " .. tostring(e)) end)
  error("caught inside", 0)
end))
print(coroutine.status(co5))

-- nested: a dead inner coroutine's variables are closed by the outer one
local outer = coroutine.wrap(function()
  local inner = coroutine.create(function()
    local z <close> = func2close(function(_, e) note("z " .. tostring(e)) end)
    coroutine.yield()
    error("inner died", 0)
  end)
  coroutine.resume(inner)
  print(coroutine.resume(inner))
  coroutine.yield("between")
  return coroutine.close(inner)
end)
print(outer())
print(outer())
print(#log)

-- a wrap function called from inside its own coroutine: not a dead coroutine to close
local w
w = coroutine.wrap(function() return w() end)
print(pcall(w))
