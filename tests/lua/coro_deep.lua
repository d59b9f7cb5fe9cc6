-- deep recursion and many coroutines

-- deep recursion inside a coroutine, yielding at the bottom
local function dive(n)
  if n == 0 then return coroutine.yield("bottom") end
  return 1 + dive(n - 1)
end
local co = coroutine.create(function() return dive(5000) end)
print(coroutine.resume(co))
print(coroutine.resume(co, 0))

-- deep tail recursion in a coroutine
local function tail(n) if n == 0 then return "tail done" end return tail(n - 1) end
print(coroutine.wrap(function() return tail(1000000) end)())

-- yield from deep inside nested non-tail calls repeatedly
local function nested(n)
  if n == 0 then
    for i = 1, 3 do coroutine.yield(i) end
    return 0
  end
  return nested(n - 1) + 1
end
local w = coroutine.wrap(function() return "result", nested(1000) end)
print(w(), w(), w(), w())

-- a chain of coroutines each resuming the next
local function chain(depth)
  if depth == 0 then return coroutine.yield("end of chain") end
  local c = coroutine.create(chain)
  local ok, v = coroutine.resume(c, depth - 1)
  return v
end
print(coroutine.wrap(chain)(100))

-- many live coroutines
local cos = {}
for i = 1, 1000 do
  cos[i] = coroutine.create(function(x) local y = coroutine.yield(x * 2) return x + y end)
end
local s = 0
for i = 1, 1000 do local _, v = coroutine.resume(cos[i], i) s = s + v end
for i = 1, 1000 do local _, v = coroutine.resume(cos[i], 1) s = s + v end
print(s)
local dead = 0
for i = 1, 1000 do if coroutine.status(cos[i]) == "dead" then dead = dead + 1 end end
print("dead", dead)

-- many yields
local counter = coroutine.wrap(function()
  local n = 0
  while true do n = n + 1 coroutine.yield(n) end
end)
local last
for i = 1, 20000 do last = counter() end
print(last)
