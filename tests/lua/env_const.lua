-- globals resolved through a compile-time-constant _ENV
local r = (function() local _ENV <const> = "abc" return upper, len end)()
print(r == string.upper)
local t = (function() local _ENV <const> = "abc" return {len, rep, upper("x")} end)()
print(t[1] == string.len, t[2] == string.rep, t[3])
print(pcall(function() local _ENV <const> = nil return x end))
print(pcall(function() local _ENV <const> = 42 return {y, z} end))
local nx = next
local function f()
  local _ENV <const> = "s"
  for k, v in nx, {a = 1} do return format("%s=%d", k, v) end
end
print(f())
