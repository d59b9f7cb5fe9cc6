-- assert

print(pcall(assert, false))
print(pcall(assert, nil))
print(pcall(assert, nil, "custom message"))
print(pcall(assert, false, 42))
local t = {}
local ok, e = pcall(assert, false, t)
print(ok, e == t)
print(assert(1, 2, 3))
print(assert("value"))
print(select('#', assert(true, nil, nil)))
print(pcall(assert))
print(pcall(function() assert(1 == 2, "math is broken") end))
print(pcall(function() assert(type(5) == "string", "expected string") end))
-- assert with a message that is not a string stays as is
ok, e = pcall(assert, nil, {msg = "tbl"})
print(ok, type(e), e.msg)
-- assert in expressions
local v = assert(tonumber("42"))
print(v + 1)
print(pcall(function() return assert(tonumber("x"), "not a number") end))
-- assert passes all arguments through
print(assert(0, "", false))
