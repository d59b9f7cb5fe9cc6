-- uncaught error deep in a recursion: the traceback skips the middle levels like lua5.4
local function rec(n)
  if n == 0 then local x = nil; return x.field end
  return 1 + rec(n - 1)
end
print(rec(100))
