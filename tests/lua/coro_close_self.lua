-- coroutine.close from inside the closed coroutine's own __close handler.
local co
co = coroutine.create(function()
  local x <close> = setmetatable({}, { __close = function()
    print("status inside", coroutine.status(co))
    print(pcall(coroutine.close, co))
    coroutine.close(co)
  end })
  coroutine.yield(20)
end)
print(coroutine.resume(co))
local st, msg = coroutine.close(co)
print(st, msg)
print(coroutine.status(co), coroutine.close(co))
