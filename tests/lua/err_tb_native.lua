-- uncaught error raised by a library function called through a field and a method
local s = "abc"
local function f() return s:rep(1, {}) end
print(pcall(f))
local function g() return string.rep() end
g()
