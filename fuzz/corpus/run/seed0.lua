-- coroutine basics: create, resume, yield, status

local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "done", d + e
end)
print(type(co), coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co))
print(coroutine.resume(co))
print(coroutine.resume(co))

-- yield with no values, resume with no values
local co2 = coroutine.create(function(...)
  print("args", select('#', ...))
  print("yield returned", select('#', coroutine.yield()))
  return
end)
print(coroutine.resume(co2))
print(coroutine.resume(co2))
print(coroutine.status(co2))

-- many values both ways
local co3 = coroutine.create(function(...)
  local got = table.pack(coroutine.yield(...))
  return got.n, table.unpack(got, 1, got.n)
end)
print(coroutine.resume(co3, 1, nil, 3))
print(coroutine.resume(co3, "a", nil, nil))

-- status from inside: running; the resumer is normal
local outer
outer = coroutine.create(function()
  local inner = coroutine.create(function()
    print("inner sees outer as", coroutine.status(outer))
    coroutine.yield()
  end)
  print("outer sees itself as", coroutine.status(outer))
  coroutine.resume(inner)
  print("inner after yield", coroutine.status(inner))
end)
coroutine.resume(outer)
print("outer at end", coroutine.status(outer))

-- errors inside a coroutine
local bad = coroutine.create(function() local x = nil; return x.y end)
print(coroutine.resume(bad))
print(coroutine.status(bad))
print(coroutine.resume(bad))
local bad2 = coroutine.create(function() error({code = 1}) end)
local ok, e = coroutine.resume(bad2)
print(ok, type(e), e.code)
local bad3 = coroutine.create(function() coroutine.yield(1) error("after yield", 0) end)
print(coroutine.resume(bad3))
print(coroutine.resume(bad3))
print(coroutine.status(bad3))

-- resuming a running coroutine
local selfres
selfres = coroutine.create(function() return coroutine.resume(selfres) end)
print(coroutine.resume(selfres))
-- resuming the main thread? (not a coroutine we can resume)
local main = coroutine.running()
print(coroutine.resume(main))
-- yield outside a coroutine
print(pcall(coroutine.yield, 1))
-- create with a non-function
print(pcall(coroutine.create, 1))
