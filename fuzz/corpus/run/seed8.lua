-- arithmetic, concatenation, comparison, length errors

print(pcall(function() return undefined_x + 1 end))
print(pcall(function() local x; return x * 2 end))
print(pcall(function() local t = {} return t.f - 1 end))
local up
print(pcall(function() return -up end))
print(pcall(function() return "abc" + 1 end))
print(pcall(function() return 1 + "abc" end))
print(pcall(function() return {} + {} end))
print(pcall(function() local t = {} return 2 ^ t end))
print(pcall(function() return true + 1 end))
print(pcall(function() local t = {}; return t .. "x" end))
print(pcall(function() return "x" .. nil end))
print(pcall(function() local a = {} return a.b .. "x" end))
print(pcall(function() return 1 < nil end))
print(pcall(function() return {} < {} end))
print(pcall(function() return "a" < 1 end))
print(pcall(function() return nil > 1 end))
print(pcall(function() local b = true return #b end))
print(pcall(function() return #undefined_y end))
print(pcall(function() local t = {} return #t.x end))
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
print(pcall(function() return 1.5 | 0 end))
print(pcall(function() local x = "1.5" return x | 0 end))
print(pcall(function() return math.huge // 1 | 0 end))
print(pcall(function() local x = 2^63 return x & 1 end))
-- in a loop, with a field
local data = {vals = {1, 2, "three", nil, 5}}
print(pcall(function()
  local s = 0
  for i = 1, 5 do s = s + data.vals[i] end
  return s
end))
