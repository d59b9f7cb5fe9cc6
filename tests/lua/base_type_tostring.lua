-- type, tostring, math.type

local values = {nil, true, 0, 1.5, "s", {}, print, function() end, coroutine.create(function() end)}
for i = 1, 9 do io.write(type(values[i]), " ") end
print()
print(pcall(type))
print(type(type), type(nil), type(io.write))

print(tostring(1), tostring(1.0), tostring(-1.5), tostring(1e16), tostring(1e15))
print(tostring(0/0) == tostring(0/0), tostring(1/0), tostring(-1/0))
print(tostring(true), tostring(nil), tostring("x"))
print(tostring(123456789012), tostring(0.1), tostring(1/3))
print(tostring(2^24), tostring(2^31), tostring(-2^31), tostring(2^53))
print(tostring(3.14159265358979), tostring(100.0), tostring(-100.25))
print(tostring(1e-5), tostring(123e-10), tostring(5e-324))
print(tostring(math.maxinteger), tostring(math.mininteger))
print(tostring({}):match("^table: ") ~= nil, tostring(print):match("^function: ") ~= nil)
print(tostring(coroutine.create(print)):match("^thread: ") ~= nil)
-- the same object always gives the same string, different ones differ
local a, b = {}, {}
print(tostring(a) == tostring(a), tostring(a) ~= tostring(b))

print(math.type(1), math.type(1.0), math.type("1"), math.type({}))
print(pcall(math.type))
