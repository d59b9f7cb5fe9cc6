-- "attempt to call" messages

print(pcall(function() undefined_fn() end))
print(pcall(function() local f; f() end))
print(pcall(function() local t = {} t.method() end))
print(pcall(function() local t = {} t:method() end))
print(pcall(function() local n = 5; n() end))
print(pcall(function() ("str")() end))
print(pcall(function() local t = {} t.a.b() end))
print(pcall(function() return math.nosuch(1) end))
local upf
print(pcall(function() upf() end))
print(pcall(function() local t = {{}} t[1]() end))
print(pcall(function() local t = {} t[1]() end))
print(pcall(function() (nil)() end))
print(pcall(function() return ({})() end))
print(pcall(function() local a = true; a() end))
print(pcall(function() local s = "x" s:nomethod() end))
print(pcall(function() string.nothing("x") end))
-- calling the result of a call
print(pcall(function() local function f() return 1 end f()() end))
-- calling through pcall itself
print(pcall(42))
print(pcall(nil))
print(pcall(pcall))
