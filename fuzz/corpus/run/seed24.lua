-- uncaught error() with a string message
local function check(v)
  if v > 2 then error("value too large: " .. v) end
  return v
end
for i = 1, 5 do print("checked", check(i)) end
