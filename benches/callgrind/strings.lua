-- String building: .. concatenation, table.concat, string.format, gsub, sub, byte, rep.
local total = 0
for round = 1, 3 do
  local s = ""
  for i = 1, 1000 do s = s .. (i % 10) end
  total = total + #s

  local parts = {}
  for i = 1, 5000 do parts[#parts + 1] = string.format("%d:%s;", i, "x") end
  local joined = table.concat(parts)
  total = total + #joined

  local replaced, n = joined:gsub("%d+", function(d) return #d end)
  total = total + #replaced + n
  local r2 = joined:gsub("x", "yy")
  total = total + #r2

  for i = 1, 2000 do
    local f = string.format("%5.2f|%x|%s", i / 7, i, "abc")
    total = total + #f + f:byte(1) + #f:sub(2, 4)
  end
  total = total + #string.rep("ab", 1000, ",")
end
return total
