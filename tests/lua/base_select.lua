-- select

print(select(1, "a", "b", "c"))
print(select(2, "a", "b", "c"))
print(select(3, "a", "b", "c"))
print(select(4, "a", "b", "c"))
print(select(-1, "a", "b", "c"))
print(select(-3, "a", "b", "c"))
print(select('#'), select('#', nil), select('#', nil, nil, nil))
print(select(2.0, "x", "y"))
print(select("2", "x", "y"))
print(pcall(select, -4, "a", "b", "c"))
print(pcall(select, 0, "a"))
print(pcall(select, 1.5))
print(pcall(select, {}))
print(pcall(select))
print(select(math.maxinteger, 1, 2))
print(pcall(select, math.mininteger, 1, 2))
-- iterate over varargs with select
local function args(...)
  local out = {}
  for i = 1, select('#', ...) do out[#out + 1] = tostring((select(i, ...))) end
  return table.concat(out, ",")
end
print(args(1, nil, "x", false, nil))
