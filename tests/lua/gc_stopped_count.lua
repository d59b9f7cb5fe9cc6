-- With the collector stopped, the memory count only grows (until a collection is asked for),
-- whatever the saves, restores and forks between steps: a restored VM is charged the garbage
-- the saved one still held.
local keep = {}
for i = 1, 2000 do keep[i] = {i} end
collectgarbage()
collectgarbage("stop")
local x = collectgarbage("count")
local last, grew, n = x, true, 0
repeat
  for i = 1, 1000 do _ENV.a = {} end
  local c = collectgarbage("count")
  if c < last then grew = false end
  last = c
  n = n + 1
until c > 2 * x or n > 1000
print("grew", grew, n <= 1000)
-- A full collection frees it (and whatever a restore inherited).
collectgarbage()
local after = collectgarbage("count")
print("freed", after < last, after < 1.5 * x)
-- Garbage made after that is counted again, and an incremental step that finishes a cycle
-- frees it.
for i = 1, 3000 do _ENV.a = {} end
local before = collectgarbage("count")
print("counted", before > after)
collectgarbage("incremental")
repeat until collectgarbage("step", 0)
print("stepped", collectgarbage("count") < before)
collectgarbage("restart")
print(#keep)
