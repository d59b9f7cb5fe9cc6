-- table.sort with comparators of every kind the VM may run without a frame (vm/pure.rs),
-- and with the cases it leaves to the usual call (a metamethod, an error, a call, a loop,
-- many registers, varargs): the same order, results and errors either way.
local function show(t, n)
  local out = {}
  for i = 1, n or #t do
    local v = t[i]
    if type(v) == "table" then v = v.id or v[1] end
    out[#out + 1] = tostring(v)
  end
  print(table.concat(out, " "))
end
local seed = 7
local function rand(m)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % m
end
local function ints(n, m)
  local t = {}
  for i = 1, n do t[i] = rand(m) end
  return t
end

-- Numbers: integers, floats, mixed; `<`, `<=`, `>`, constants.
local t = ints(60, 50)
table.sort(t, function(a, b) return a > b end)
show(t)
t = ints(60, 50)
for i = 1, #t, 3 do t[i] = t[i] + 0.5 end
table.sort(t, function(a, b) return a < b end)
show(t)
t = ints(40, 10)
table.sort(t, function(a, b) if a == b then return false end return a < b end)
show(t)
t = ints(40, 100)
table.sort(t, function(a, b)
  local x, y = a < 50, b < 50
  if x ~= y then return x end
  return a < b
end)
show(t)
t = ints(40, 100)
table.sort(t, function(a, b) return not (a >= b) end)
show(t)

-- Fields, integer keys, upvalues and globals.
local recs = {}
for i = 1, 80 do recs[i] = { key = rand(10), id = i, rand(5) } end
table.sort(recs, function(a, b)
  if a.key ~= b.key then return a.key < b.key end
  return a.id < b.id
end)
show(recs)
table.sort(recs, function(a, b)
  if a[1] ~= b[1] then return a[1] > b[1] end
  return a.id > b.id
end)
show(recs)
local weight = {}
for i = 1, 30 do weight[i] = rand(7) end
t = {}
for i = 1, 30 do t[i] = i end
table.sort(t, function(a, b)
  if weight[a] ~= weight[b] then return weight[a] < weight[b] end
  return a < b
end)
show(t)
DESC = true
t = ints(30, 20)
table.sort(t, function(a, b) if DESC then return a > b end return a < b end)
show(t)

-- Strings: order, equality, long strings (their comparison is charged by length).
local words = {}
for i = 1, 50 do words[i] = string.rep("w", rand(4)) .. tostring(rand(1000)) end
table.sort(words, function(a, b) return a < b end)
show(words)
local long = {}
for i = 1, 20 do long[i] = string.rep("x", 300) .. tostring(rand(50)) end
table.sort(long, function(a, b) if a == b then return false end return a > b end)
print(#long, long[1]:sub(299), long[20]:sub(299))

-- Cases left to the usual call.
local P = {}
P.__index = function(_, k) return k == "key" and 0 or nil end
P.__lt = function(a, b) return a.id < b.id end
local objs = {}
for i = 1, 30 do objs[i] = setmetatable({ id = rand(100) }, P) end
table.sort(objs, function(a, b) return a < b end)
show(objs)
table.sort(objs, function(a, b)
  if a.key ~= b.key then return a.key < b.key end
  return a.id > b.id
end)
show(objs)
local calls = 0
t = ints(30, 40)
table.sort(t, function(a, b) calls = calls + 1; return a < b end)
show(t)
print(calls > 0)
t = ints(30, 40)
table.sort(t, function(a, b) return math.abs(a - 20) < math.abs(b - 20) or (math.abs(a - 20) == math.abs(b - 20) and a < b) end)
show(t)
t = ints(30, 40)
table.sort(t, function(a, b)
  local s = 0
  for i = 1, 3 do s = s + i end
  return a + s < b + s
end)
show(t)
t = ints(30, 40)
table.sort(t, function(a, b)
  local c, d, e, f, g, h, i, j = a, b, a + 1, b + 1, a * 2, b * 2, a - b, b - a
  return c + e + g < d + f + h
end)
show(t)
t = ints(30, 40)
table.sort(t, function(...) local a, b = ... return a < b end)
show(t)
t = ints(20, 40)
table.sort(t, function(a) return false end)
print(#t)
t = ints(20, 40)
table.sort(t, function() end)
print(#t)

-- Errors raised in a comparator, and an order function that is not one.
t = ints(30, 40)
t[17] = nil
print(pcall(table.sort, t, function(a, b) return a < b end))
t = ints(30, 40)
t[5] = "x"
print(pcall(table.sort, t, function(a, b) return a < b end))
t = ints(30, 40)
t[9] = {}
print(pcall(table.sort, t, function(a, b) return a.f < b end))
t = {}
for i = 1, 50 do t[i] = 1 end
print(pcall(table.sort, t, function(a, b) return true end))

-- Yield across the sort: an error, as in Lua.
local co = coroutine.wrap(function()
  local u = ints(10, 10)
  table.sort(u, function(a, b) coroutine.yield() return a < b end)
end)
print(pcall(co))
