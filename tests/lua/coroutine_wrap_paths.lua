-- Coroutine switches at a Call of a `coroutine.wrap` function (vm/switch_call.rs) and the
-- general path beside them: values both ways, wanted counts, errors, dead and running
-- wrap functions, hooks, calls that are not plain `Call`s, nested wraps.
local function show(...) print(select('#', ...), ...) end
-- many values both ways, want = all / fixed
local f = coroutine.wrap(function(...)
  show(...)
  local a, b, c, d, e = coroutine.yield(1, 2, 3, 4, 5, 6)
  show(a, b, c, d, e)
  show(coroutine.yield())
  show(coroutine.yield(nil, nil))
  local t = {coroutine.yield(table.unpack({1,2,3,4,5,6,7,8,9,10,11,12}))}
  print(#t)
  return "done", 1, 2
end)
show(f("x", "y"))
show(f(10, 20, 30))
show(f())
local one = f(1); print(one)
print(select('#', f(5, 6)))
print(pcall(f))
-- a generator in a loop: the switch at the call in both directions, many turns
local gen = coroutine.wrap(function(a)
  local sum = 0
  while true do
    sum = sum + a
    a = coroutine.yield(sum, a)
    if a == nil then return "end", sum end
  end
end)
local total = 0
for i = 1, 2000 do
  local s, a = gen(i)
  total = (total + s * 3 + a) % 1000003
end
print(total, gen(nil))
print(pcall(gen, 1))
-- errors raised inside, with and without pending to-be-closed variables
local e1 = coroutine.wrap(function() coroutine.yield(1); error("boom") end)
print(e1())
print(pcall(e1))
print(pcall(e1))
local e2 = coroutine.wrap(function() coroutine.yield(1); error({code = 7}) end)
e2()
local ok, err = pcall(e2); print(ok, type(err), err.code)
local e3 = coroutine.wrap(function()
  local x <close> = setmetatable({}, {__close = function() print("closed x") end})
  coroutine.yield("held")
  error("after close", 0)
end)
print(e3())
print(pcall(e3))
-- a wrap function called from inside its own coroutine (running)
local self_call
self_call = coroutine.wrap(function()
  print(pcall(self_call))
  coroutine.yield("y")
  return "r"
end)
print(self_call())
print(self_call())
-- nested: a wrap resumed from inside another wrap's coroutine, both switching at calls
local inner = coroutine.wrap(function(v)
  while true do v = coroutine.yield(v * 2) end
end)
local outer = coroutine.wrap(function(v)
  while true do v = coroutine.yield(inner(v) + 1) end
end)
local acc = 0
for i = 1, 300 do acc = acc + outer(i) end
print(acc)
-- calls that are not plain `Call`s: tail calls, from natives, in a generic `for`
local tgen = coroutine.wrap(function(v) while true do v = coroutine.yield(v + 100) end end)
local function tail(v) return tgen(v) end
print(tail(1), tail(2))
print(pcall(tgen, 3))
print(select(2, pcall(tgen, 4)))
for x in coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) do io.write(x, " ") end
print()
-- yields across pcall and metamethods inside a wrap
local m = coroutine.wrap(function()
  local ok2, v = pcall(function() return coroutine.yield("in pcall") + 1 end)
  print("pcall", ok2, v)
  local t = setmetatable({}, {__index = function(_, k) return coroutine.yield(k) end})
  print("index", t.foo)
  return "end"
end)
print(m()); print(m(41)); print(m("bar"))
-- a hook set inside the coroutine, then removed
local hooked = coroutine.wrap(function()
  local n = 0
  debug.sethook(function() n = n + 1 end, "l")
  coroutine.yield(1)
  debug.sethook()
  coroutine.yield(n > 0)
  return "unhooked"
end)
print(hooked()); print(hooked()); print(hooked())
-- status and errors of the wrap function's argument checks
print(pcall(coroutine.wrap, 1))
local dead = coroutine.wrap(function() return 1 end)
print(dead())
print(pcall(dead))
