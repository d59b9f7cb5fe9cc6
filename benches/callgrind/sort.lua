-- table.sort with a Lua comparator (and the default comparator) on pseudo-random data.
local seed = 42
local function rand()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed
end
local check = 0
for round = 1, 1 do
  local t = {}
  for i = 1, 5000 do t[i] = rand() % 100000 end
  table.sort(t, function(a, b) return a > b end)
  for i = 1, #t, 997 do check = check + t[i] end
  local u = {}
  for i = 1, 5000 do u[i] = { key = rand() % 1000, id = i } end
  table.sort(u, function(a, b)
    if a.key ~= b.key then return a.key < b.key end
    return a.id < b.id
  end)
  for i = 1, #u, 991 do check = check + u[i].id end
  table.sort(t)
  check = check + t[1] + t[#t]
end
return check
