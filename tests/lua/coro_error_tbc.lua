-- A coroutine that dies with an error keeps its pending to-be-closed variables until
-- coroutine.close (5.4's lua_resume does not close them); coroutine.wrap closes them before
-- raising. Found by the differential fuzzer.
local mt = {__close = function(x, e) print("close", x.name, e) end}
local function obj(name) return setmetatable({name = name}, mt) end

local co = coroutine.create(function(x)
  print(pcall(function() x = coroutine.yield(x) end))
  local a <close> = obj("a")
  do
    local b <close> = obj("b")
    print(nil .. 1)
  end
  return "done", x
end)
print(coroutine.resume(co, 0)) print(coroutine.status(co))
print(coroutine.resume(co, 0)) print(coroutine.status(co))
print("resumed again:", coroutine.resume(co, 0)) print(coroutine.status(co))
print("closing")
print(coroutine.close(co))
print(coroutine.close(co))

-- A __close that raises while coroutine.close runs them: the new error is the result.
local co2 = coroutine.create(function()
  local a <close> = setmetatable({}, {__close = function() error("in close", 0) end})
  local b <close> = obj("b2")
  error("first", 0)
end)
print(coroutine.resume(co2))
print(coroutine.close(co2))

-- coroutine.wrap closes before it raises.
local w = coroutine.wrap(function() local y <close> = obj("w"); coroutine.yield(1); error("wrapped") end)
print(w())
print(pcall(w))

-- A coroutine that finishes normally or with a yield keeps nothing pending.
local co3 = coroutine.create(function() local z <close> = obj("z") coroutine.yield() end)
print(coroutine.resume(co3))
print(coroutine.close(co3))
