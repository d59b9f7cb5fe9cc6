-- Numeric `for` loops started inside an outer loop (the small loop runs the all-integer
-- case of FORPREP): counts, skipped loops, negative and large steps, bounds near the
-- integer limits, float and string bounds left to the general path, and errors.
local out = {}
local function add(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  out[#out + 1] = table.concat(t, " ")
end

for outer = 1, 3 do
  local s = 0
  for i = 1, outer do s = s + i end
  for i = outer, 1, -1 do s = s + 10 * i end
  for i = 5, outer do s = s + 1000 end          -- skipped when outer < 5
  for i = outer, 5, 2 do s = s + 100 end
  for i = -outer, outer, 3 do s = s + i end
  add("outer", outer, s)
end

local mi, ma = math.mininteger, math.maxinteger
for r = 1, 2 do
  local n = 0
  for i = ma - 2, ma do n = n + 1 end
  for i = mi + 2, mi, -1 do n = n + 1 end
  for i = mi, mi + 4, ma do n = n + 1 end
  for i = ma, ma - 4, mi do n = n + 1 end
  for i = 1, 0 do n = n + 100 end
  for i = 0, 1, mi do n = n + 100 end
  for i = mi, ma, ma do n = n + 1 end
  for i = ma, mi, -ma do n = n + 1 end
  add("limits", r, n)
end

for r = 1, 2 do
  local n, last = 0, nil
  for i = 1, 2.5 do n = n + 1; last = i end
  add("float limit", n, math.type(last))
  n = 0
  for i = 1.0, 3 do n = n + 1; last = i end
  add("float init", n, math.type(last))
  n = 0
  for i = 1, 3, 1.5 do n = n + 1; last = i end
  add("float step", n, last)
  n = 0
  for i = 3, -math.huge, -1 do n = n + 1; if n == 4 then break end end
  add("huge limit", n)
  n = 0
  for i = 1, 0 / 0 do n = n + 1 end
  add("nan limit", n)
end

for r = 1, 2 do
  local ok, e = pcall(function() for i = 1, 10, 0 do end end)
  add("zero step", ok, e)
  ok, e = pcall(function() local x = "2"; for i = 1, x do end end)
  add("string limit", ok, e)
  ok, e = pcall(function() local x = {}; for i = x, 2 do end end)
  add("table init", ok, e)
end

-- Inner loops in the body of a loop with no call in it (run in the small loop throughout).
local acc, w = 0, 0
while w < 60 do
  local x = w % 5
  for i = 1, x do acc = acc + i end
  for i = w, w - 3, -1 do acc = acc + i end
  for i = mi, mi + 2, ma do acc = acc + 1 end
  for i = x, 1 do acc = acc + 7 end
  for i = 1, x, 0.5 do acc = acc + 1 end
  for i = ma - x, ma do acc = acc + 3 end
  w = w + 1
end
add("while", acc)

-- The control variable is a copy: changing it does not change the loop.
local t = {}
for j = 1, 3 do
  for i = 1, 4 do
    local k = i
    i = i * 10
    t[#t + 1] = k .. ":" .. i
  end
end
add(table.concat(t, ","))

for _, line in ipairs(out) do print(line) end
