-- coroutine.wrap

local gen = coroutine.wrap(function(n)
  for i = 1, n do coroutine.yield(i) end
  return "end"
end)
print(gen(3), gen(), gen(), gen())
print(pcall(gen))

-- wrap passes values both ways
local echo = coroutine.wrap(function(...)
  local args = {...}
  while true do
    args = {coroutine.yield(table.unpack(args))}
    if #args == 0 then break end
  end
  return "echo done"
end)
print(echo(1, 2))
print(echo("a"))
print(echo())

-- errors propagate with the position from inside the coroutine
local failing = coroutine.wrap(function()
  coroutine.yield("ok")
  error("failure inside")
end)
print(failing())
print(pcall(failing))
local failing2 = coroutine.wrap(function() error({tag = "tbl"}) end)
local ok, e = pcall(failing2)
print(ok, type(e), e.tag)
local failing3 = coroutine.wrap(function() error("no position", 0) end)
print(pcall(failing3))
local failing4 = coroutine.wrap(function() local t = nil return t.x end)
print(pcall(failing4))

-- wrap in a for loop
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local s = 0
for i in range(10) do s = s + i end
print(s)

-- nested wraps
local function chain(src)
  return coroutine.wrap(function()
    for v in src do coroutine.yield(v * 10) end
  end)
end
for v in chain(chain(range(3))) do io.write(v, " ") end
print()
