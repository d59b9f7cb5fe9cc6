-- producer / consumer with filters

local function receive(prod)
  local status, value = coroutine.resume(prod)
  return value
end
local function send(x) coroutine.yield(x) end

local function producer(items)
  return coroutine.create(function()
    for _, item in ipairs(items) do send(item) end
    send(nil)
  end)
end

local function filter(prod, fn)
  return coroutine.create(function()
    while true do
      local x = receive(prod)
      if x == nil then send(nil) return end
      local y = fn(x)
      if y ~= nil then send(y) end
    end
  end)
end

local function consumer(prod)
  local got = {}
  while true do
    local x = receive(prod)
    if x == nil then break end
    got[#got + 1] = tostring(x)
  end
  return table.concat(got, " ")
end

local p = producer({1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
local evens = filter(p, function(x) if x % 2 == 0 then return x end end)
local squares = filter(evens, function(x) return x * x end)
print(consumer(squares))

-- a line numbering filter
local lines = producer({"alpha", "beta", "gamma"})
local n = 0
local numbered = filter(lines, function(l) n = n + 1 return string.format("%3d %s", n, l) end)
print(consumer(numbered))

-- ping pong between two coroutines via a scheduler
local log = {}
local tasks = {}
local function spawn(name, count)
  tasks[#tasks + 1] = {name = name, co = coroutine.create(function()
    for i = 1, count do log[#log + 1] = name .. i coroutine.yield() end
  end)}
end
spawn("A", 3) spawn("B", 2) spawn("C", 4)
while #tasks > 0 do
  for i = #tasks, 1, -1 do
    local t = tasks[i]
    coroutine.resume(t.co)
    if coroutine.status(t.co) == "dead" then table.remove(tasks, i) end
  end
end
print(table.concat(log, " "))
