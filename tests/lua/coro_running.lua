-- coroutine.running and coroutine.isyieldable

local main, ismain = coroutine.running()
print(type(main), ismain)
print(coroutine.isyieldable())
print(coroutine.status(main))

local co = coroutine.create(function()
  local me, im = coroutine.running()
  print("inside", type(me), im)
  print("isyieldable inside", coroutine.isyieldable())
  print("status of self", coroutine.status(me))
  print("status of main from inside", coroutine.status(main))
  return me
end)
local ok, me = coroutine.resume(co)
print(ok, me == co)

-- isyieldable with an argument (5.4)
local co2 = coroutine.create(function() coroutine.yield() end)
print(coroutine.isyieldable(co2))
coroutine.resume(co2)
print(coroutine.isyieldable(co2), coroutine.isyieldable(main))

-- inside pcall inside a coroutine it's still yieldable
coroutine.wrap(function()
  print("in pcall", pcall(coroutine.isyieldable))
end)()

-- wrap: running returns the coroutine, not the wrapper
local w
w = coroutine.wrap(function()
  local r = coroutine.running()
  print("wrap running is thread", type(r), r ~= main)
end)
w()

-- tostring and %p of the running coroutine (its state is in use while it runs)
local main = coroutine.running()
print(tostring(main):match("^thread: ") ~= nil, string.format("%p", main) ~= "(null)")
print(tostring(main) == tostring(main))
local co = coroutine.wrap(function()
  local me = coroutine.running()
  local s = tostring(me)
  print(s:match("^thread: ") ~= nil, s ~= tostring(main))
  coroutine.yield()
  print(s == tostring(me))
end)
co()
co()
