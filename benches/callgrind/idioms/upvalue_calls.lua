-- A call of a closure that writes an upvalue.
local x = 0 local function inc() x = x + 1 end for i = 1, 200000 do inc() end print(x)
