-- stack overflow is a catchable error

local function f() return 1 + f() end
local ok, msg = pcall(f)
print(ok, type(msg), msg:match("stack overflow") ~= nil)

-- overflow through a metamethod
local t = setmetatable({}, {})
getmetatable(t).__index = function(tab, k) return tab[k .. "x"] end
ok, msg = pcall(function() return t.a end)
print(ok, type(msg) == "string" and (msg:match("stack overflow") ~= nil or msg:match("C stack overflow") ~= nil))

-- after an overflow the VM still works fine
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(1000))

-- overflow inside a coroutine
local co = coroutine.create(function() return f() end)
local ok2, msg2 = coroutine.resume(co)
print(ok2, msg2:match("stack overflow") ~= nil, coroutine.status(co))

-- an xpcall handler still runs for a stack overflow
print(xpcall(f, function(m) return "handled: " .. tostring(m:match("stack overflow")) end))
