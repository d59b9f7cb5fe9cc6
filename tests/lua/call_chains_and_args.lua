-- Stacks that grow by other means than a call's frame: a long __call chain (the callee
-- gets every table of the chain as an argument) and a coroutine started with many
-- arguments. Run under snapshots too, where the stacks' saved sizes must still be valid.
local function sum200() local s = 0 for i = 1, 200 do s = s + i end return s end
local f = sum200
for i = 1, 1900 do f = setmetatable({}, {__call = f}) end
print(f())
-- The same chain through a tail call.
local function tail() return f() end
print(tail())
local t = {}
for i = 1, 50 do t[i] = i end
local co = coroutine.wrap(function(...) local s = 0 for i = 1, 200 do s = s + i end return s, select("#", ...) end)
print(co(table.unpack(t)))
local co2 = coroutine.create(function(...) coroutine.yield(select("#", ...)) return "done" end)
print(coroutine.resume(co2, table.unpack(t, 1, 300)))
print(coroutine.resume(co2))
