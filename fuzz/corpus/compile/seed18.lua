-- numeric for loops

local function collect(a, b, c)
  local out = {}
  if c then
    for i = a, b, c do out[#out + 1] = tostring(i) end
  else
    for i = a, b do out[#out + 1] = tostring(i) end
  end
  return "[" .. table.concat(out, " ") .. "]"
end

print(collect(1, 5))
print(collect(1, 0))
print(collect(5, 1, -1))
print(collect(1, 10, 3))
print(collect(10, 1, -4))
print(collect(1, 1))
print(collect(0, 0, -1))
print(collect(1.0, 3))
print(collect(1, 3.5))
print(collect(1, 2, 0.5))
print(collect(0.1, 0.5, 0.1))
print(collect(1, 0, 1))
print(collect(-3, 3, 2))
print(collect(3, -3, -2))

-- the loop variable type
for i = 1, 2 do print(i, math.type(i)) end
for i = 1.0, 2 do print(i, math.type(i)) end
for i = 1, 2.0 do print(i, math.type(i)) end
for i = 1, 2, 1.0 do print(i, math.type(i)) end

-- near the integer limits: no overflow, loop terminates
print(collect(math.maxinteger - 2, math.maxinteger))
print(collect(math.mininteger + 2, math.mininteger, -1))
print(collect(math.maxinteger - 1, math.maxinteger, 10))
print(collect(math.mininteger, math.mininteger + 5, 3))
print(collect(1, math.mininteger, 1))
print(collect(-1, math.maxinteger, -1))
local count = 0
for i = math.maxinteger - 100, math.maxinteger, 7 do count = count + 1 end
print("count near max", count)
count = 0
for i = math.mininteger, math.mininteger + 100, 50 do count = count + 1 end
print("count near min", count)
-- float limit clipped to integers
print(collect(3, 5.9))
print(collect(1, 2^70, 1 << 61))
print(collect(-1, -2^70, -(1 << 61)))
print(collect(-3, -5.9, -1))
print(collect(1, -math.huge))
count = 0
for i = 1, math.huge do count = count + 1 if count == 5 then break end end
print("huge limit", count)

-- float accumulated steps
local n = 0
for x = 0, 1, 0.25 do n = n + 1 io.write(x, " ") end
print("steps", n)

-- modifying the loop variable does not affect iteration
for i = 1, 3 do
  local j = i
  i = i * 10
  io.write(j, ":", i, " ")
end
print()

-- the limit and step are evaluated once
local lim = 3
local evals = 0
local function limit() evals = evals + 1 return lim end
for i = 1, limit() do lim = 100 end
print("limit evaluated", evals, "times")

-- errors
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = 1.0, 10, 0.0 do end end))
print(pcall(function() for i = "a", 10 do end end))
print(pcall(function() for i = 1, {} do end end))
print(pcall(function() for i = 1, 2, nil do end end))
print(pcall(function() for i = "1", 2 do end end))

-- nested loops with break
for i = 1, 3 do
  for j = 1, 3 do
    if j > i then break end
    io.write(i, j, " ")
  end
end
print()
