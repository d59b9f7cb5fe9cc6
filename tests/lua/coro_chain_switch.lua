-- Yields and resumes along a chain of coroutines (main -> A through a wrap function ->
-- B through coroutine.resume -> C), each switch at a call from Lua (vm/switch_call.rs):
-- who runs, statuses, values both ways, errors of yields and resumes that cannot be made.
local function st(...)
  local t = {}
  for i, co in ipairs({...}) do t[i] = coroutine.status(co) end
  return table.concat(t, " ")
end
local A, B, C
C = coroutine.create(function(x)
  print("C got", x, st(A, B), coroutine.isyieldable())
  local y = coroutine.yield("c1", x + 1)
  print("C got", y, st(A, B))
  -- resuming a normal coroutine (B resumed C) fails, as does resuming itself
  print("C resume B", coroutine.resume(B))
  print("C resume C", coroutine.resume(C))
  y = coroutine.yield("c2")
  return "c-end", y
end)
B = coroutine.create(function(x)
  print("B got", x, st(A, C))
  local ok, a, b = coroutine.resume(C, x * 10)
  print("B from C", ok, a, b, st(A, C))
  local r = coroutine.yield("b1", a)
  print("B got", r)
  print("B from C", coroutine.resume(C, r))
  print("B from C", coroutine.resume(C, "last"))
  print("B from dead C", coroutine.resume(C))
  -- a yield inside a pcall inside B goes to B's resumer
  print("B pcall", pcall(function() return coroutine.yield("b-in-pcall") end))
  return "b-end"
end)
local fa = coroutine.wrap(function(x)
  A = coroutine.running()
  print("A got", x, st(B))
  local ok, v, w = coroutine.resume(B, x)
  print("A from B", ok, v, w, st(B))
  local z = coroutine.yield("a1", v)
  print("A got", z)
  for i = 1, 4 do
    ok, v = coroutine.resume(B, z .. i)
    print("A from B", ok, v, st(B))
    z = coroutine.yield(v)
  end
  return "a-end"
end)
print("main from A", fa(1))
print("main from A", fa("z"))
for i = 1, 4 do print("main from A", pcall(fa, i)) end
print("main from dead A", pcall(fa))
print("main yield", pcall(coroutine.yield, 1))
