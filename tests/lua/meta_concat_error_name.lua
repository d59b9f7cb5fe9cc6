-- A concatenation that goes on after a `__concat` metamethod (which may have yielded) and
-- then meets an operand it cannot concatenate names that operand's variable, as lua5.4
-- does: the metamethod's result sits in the register of the operand it replaced.
local y1 = setmetatable({}, {__concat = function() return nil end})
print(pcall(function() return 'a' .. y1 .. 'b' .. 1 end))
local t = {}
local y3 = setmetatable({}, {__concat = function() return t end})
print(pcall(function() local l = y3 return 'a' .. l .. 'b' end))
local y2 = setmetatable({}, {__concat = function() return coroutine.yield() end})
local co = coroutine.wrap(function() print(pcall(function() return 'a' .. y2 .. 'b' .. 1 end)) end)
co() co(nil)
co = coroutine.wrap(function() return 'a' .. y2 .. 'b' .. 1 end)
co() print(pcall(co, true))
co = coroutine.wrap(function() local x = y2 return 'a' .. x .. 'b' end)
co() print(pcall(co, {}))
