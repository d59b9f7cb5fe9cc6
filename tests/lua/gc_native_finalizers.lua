-- Long runs of finalizers that are natives (they return at once, with no Lua code between
-- them) must neither nest the interpreter (a stack overflow at tens of thousands) nor run
-- past a step's budget; Lua finalizers interleaved with them still run in order.
local ran = 0
local function count() ran = ran + 1 end
for i = 1, 20000 do
  setmetatable({}, {__gc = (i % 1000 == 0) and count or type})
end
collectgarbage()
print("Lua finalizers run:", ran)

-- Finalizers that raise (natives too): each error is a warning, the run goes on.
for i = 1, 10000 do setmetatable({}, {__gc = error}) end
collectgarbage()
print("after raising finalizers")

-- A file handle closed by its finalizer is a native finalizer too (io library).
if io and io.open then
  local ok = 0
  for i = 1, 300 do
    local f = io.open("/dev/null")
    if f then ok = ok + 1 end
  end
  collectgarbage()
  print("opened", ok)
end
