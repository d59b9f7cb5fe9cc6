-- The table library: table.insert/remove at the end and in the middle, table.concat,
-- table.unpack and select('#').
local insert, remove, concat, unpack = table.insert, table.remove, table.concat, table.unpack
local total = 0
for round = 1, 3 do
  local t = {}
  for i = 1, 5000 do insert(t, i) end
  for i = 1, 50 do insert(t, 1 + (i * 7) % #t, -i) end
  for i = 1, 50 do total = total + remove(t, 1 + (i * 13) % #t) end
  while #t > 2500 do total = total + remove(t) end
  local parts = {}
  for i = 1, 500 do parts[#parts + 1] = t[i] end
  total = total + #concat(parts, ",")
  total = total + select("#", unpack(t, 1, 200))
end
return total
