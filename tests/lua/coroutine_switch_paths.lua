-- Coroutine switches at a Call of resume/yield (vm/switch_call.rs) and the general path
-- beside them: values both ways, wanted counts, errors, statuses, hooks, tracebacks.
local function show(...) print(select('#', ...), ...) end
-- many values both ways, want = all / fixed
local co = coroutine.create(function(...)
  show(...)
  local a, b, c, d, e = coroutine.yield(1, 2, 3, 4, 5, 6)
  show(a, b, c, d, e)
  show(coroutine.yield())
  show(coroutine.yield(nil, nil))
  local t = {coroutine.yield(table.unpack({1,2,3,4,5,6,7,8,9,10,11,12}))}
  print(#t)
  return "done", 1, 2
end)
show(coroutine.resume(co, "x", "y"))
show(coroutine.resume(co, 10, 20, 30))
show(coroutine.resume(co))
show(coroutine.resume(co, 1))
print(select('#', coroutine.resume(co, 5, 6)))
show(coroutine.resume(co, table.unpack({1,2,3,4,5,6,7,8,9,10,11,12,13,14})))
show(coroutine.resume(co))
print(coroutine.status(co))
-- errors
print(pcall(coroutine.resume))
print(coroutine.resume(coroutine.running()))
print(pcall(coroutine.yield, 1))
local c2 = coroutine.create(function() error("boom") end)
print(coroutine.resume(c2))
print(coroutine.resume(c2))
local c3 = coroutine.create(function() error({code = 1}) end)
local ok, e = coroutine.resume(c3); print(ok, type(e), e.code)
-- status inside
local c4
c4 = coroutine.create(function()
  print(coroutine.status(c4), coroutine.isyieldable())
  local inner = coroutine.create(function() print("outer is", coroutine.status(c4)); coroutine.yield(7) end)
  print(coroutine.resume(inner))
  coroutine.yield()
end)
print(coroutine.resume(c4)); print(coroutine.status(c4)); print(coroutine.resume(c4)); print(coroutine.status(c4))
-- yield across pcall and metamethods
local c5 = coroutine.create(function()
  local ok, v = pcall(function() return coroutine.yield("in pcall") + 1 end)
  print("pcall", ok, v)
  local t = setmetatable({}, {__index = function(_, k) return coroutine.yield(k) end})
  print("index", t.foo)
  for x in coroutine.wrap(function() coroutine.yield(1); coroutine.yield(2) end) do io.write(x, " ") end
  print()
  return "end"
end)
print(coroutine.resume(c5)); print(coroutine.resume(c5, 41)); print(coroutine.resume(c5, "bar"))
-- wrap with error position
local w = coroutine.wrap(function() coroutine.yield(1); error("werr") end)
print(w()); print(pcall(w))
-- close
local c6 = coroutine.create(function() local x <close> = setmetatable({}, {__close = function() print("closed") end}); coroutine.yield(1) end)
print(coroutine.resume(c6)); print(coroutine.close(c6)); print(coroutine.status(c6))
-- hooks across resume
local c7 = coroutine.create(function(a) local n = 0; for i = 1, 3 do a = coroutine.yield(a + i) end return a end)
local count = 0
debug.sethook(c7, function() count = count + 1 end, "c")
for i = 1, 4 do print(coroutine.resume(c7, i)) end
print("hook calls", count > 0)
-- traceback through resume
local c8 = coroutine.create(function() local function f() coroutine.yield() end f() end)
coroutine.resume(c8)
print((debug.traceback(c8):gsub("0x%x+", "?")))
-- deep nesting
local function nest(n) if n == 0 then return coroutine.yield("deep") end local c = coroutine.create(nest); local ok, v = coroutine.resume(c, n - 1); return v end
print(coroutine.resume(coroutine.create(nest), 50))
