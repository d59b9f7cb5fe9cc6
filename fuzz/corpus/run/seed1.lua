-- coroutine.close

local co = coroutine.create(function() coroutine.yield(1) end)
print(coroutine.close(co), coroutine.status(co))
local co1 = coroutine.create(function() coroutine.yield(1) end)
coroutine.resume(co1)
print(coroutine.status(co1), coroutine.close(co1), coroutine.status(co1))
print(coroutine.resume(co1))

-- closing runs pending to-be-closed variables
local log = {}
local co2 = coroutine.create(function()
  local a <close> = setmetatable({}, {__close = function(_, e) log[#log + 1] = "a:" .. tostring(e) end})
  local b <close> = setmetatable({}, {__close = function(_, e) log[#log + 1] = "b:" .. tostring(e) end})
  coroutine.yield("suspended with two tbc")
end)
print(coroutine.resume(co2))
print(coroutine.close(co2))
print(table.concat(log, " "))

-- close of a dead coroutine that died with an error returns false + error
local co3 = coroutine.create(function() error("died", 0) end)
print(coroutine.resume(co3))
print(coroutine.close(co3))
print(coroutine.close(co3))

-- error inside __close while closing
local co4 = coroutine.create(function()
  local a <close> = setmetatable({}, {__close = function() error("close failed", 0) end})
  coroutine.yield()
end)
coroutine.resume(co4)
print(coroutine.close(co4))
print(coroutine.status(co4))

-- cannot close a running or normal coroutine
print(pcall(coroutine.close, coroutine.running()))
local outer = coroutine.create(function()
  local inner = coroutine.create(function(o) return pcall(coroutine.close, o) end)
  return coroutine.resume(inner, (coroutine.running()))
end)
print(coroutine.resume(outer))
local selfclose = coroutine.create(function() return pcall(coroutine.close, (coroutine.running())) end)
print(coroutine.resume(selfclose))

-- closing a never-started coroutine
print(coroutine.close(coroutine.create(print)))
print(pcall(coroutine.close, 1))
