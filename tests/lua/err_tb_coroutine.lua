-- uncaught error raised by coroutine.wrap's function when the coroutine fails
local gen = coroutine.wrap(function() coroutine.yield(1); error("in coroutine") end)
print(gen())
local function consume() return gen() end
local function outer() local v = consume(); return v end
outer()
