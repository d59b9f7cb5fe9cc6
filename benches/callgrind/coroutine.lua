-- Coroutine ping-pong: resume/yield passing values both ways.
local function worker(a)
  local sum = 0
  while true do
    sum = sum + a
    a = coroutine.yield(sum)
    if a == nil then return sum end
  end
end
local total = 0
for round = 1, 30 do
  local co = coroutine.create(worker)
  local ok, v = coroutine.resume(co, 0)
  for i = 1, 5000 do
    ok, v = coroutine.resume(co, i)
    total = (total + v) % 1000000007
  end
  coroutine.resume(co, nil)
end
return total
