-- Coroutine ping-pong through a `coroutine.wrap` function: benches/lua/coroutine.lua with
-- the coroutine resumed by calling its wrap function (values passed both ways). Not in
-- benches/lua (the wall-clock set): counted only by `run.sh BIN coroutine_wrap`.
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
  local f = coroutine.wrap(worker)
  f(0)
  for i = 1, 50000 do
    local v = f(i)
    total = (total + v) % 1000000007
  end
  f(nil)
end
return total
