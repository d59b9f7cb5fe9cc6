-- Loops that read and write tables at keys that are not integers and `pairs` loops, long
-- enough to run in `fast::hot`'s keyed variant (`fast::keyed`): stores to existing and
-- removed keys, new keys and metatables left to `execute`, `next` over changing tables,
-- other iterators, and every stop (errors, calls, the end of the fuel) in the middle.

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- A pairs loop that updates and clears existing fields while traversing (allowed by next).
local t = {}
for i = 1, 300 do t["k" .. i] = i end
for round = 1, 5 do
  local total = 0
  for k, v in pairs(t) do
    if v % 7 == round % 7 then t[k] = nil else t[k] = v + 1 end
    total = total + v
  end
  for i = 1, 40 do t["k" .. ((round * 151 + i * 13) % 500)] = i end
  print(round, total, count(t))
end

-- Keys of every kind: booleans, tables, functions, floats, strings, in the hash part.
local kt, kf = {}, function() end
local h = { [true] = 1, [false] = 2, [kt] = 3, [kf] = 4, [1.5] = 5, [-0.25] = 6, s = 7 }
local keys = { true, false, kt, kf, 1.5, -0.25, "s", "absent", 2.0, 3 }
local sum = 0
for round = 1, 50 do
  for i = 1, #keys do
    local k = keys[i]
    local v = h[k]
    if v then h[k] = v + 1; sum = sum + v end
  end
end
print(sum, h[true], h[false], h[kt], h[kf], h[1.5], h[-0.25], h.s, h[2])

-- A constant value stored at computed keys (SetTableK), existing and new.
local flags = { a = 0, b = 0, c = 0 }
local names = { "a", "b", "c", "d", "e" }
for i = 1, 100 do
  local k = names[i % 5 + 1]
  flags[k] = true
  if i % 3 == 0 then flags[k] = false end
end
print(flags.a, flags.b, flags.c, flags.d, flags.e)
for i = 1, 100 do
  local arr = { 1, 2, 3 }
  arr[(i % 4) + 1] = "x"
  if i == 100 then print(arr[1], arr[2], arr[3], arr[4]) end
end

-- Metatables: __index and __newindex on missing keys, raw hits on present ones.
local log = {}
local proxy = setmetatable({ here = 1 }, {
  __index = function(_, k) return "idx:" .. tostring(k) end,
  __newindex = function(t2, k, v) log[#log + 1] = tostring(k); rawset(t2, k, v) end,
})
local got = {}
for i = 1, 30 do
  local k = (i % 3 == 0) and "here" or ("m" .. (i % 4))
  got[#got + 1] = tostring(proxy[k])
  proxy[k] = i
end
print(table.concat(got, ","))
print(table.concat(log, ","), proxy.here, proxy.m1, proxy.m2)

-- Strings and other values indexed by string keys (their metatables, errors).
local s = "hello"
local lens = 0
for i = 1, 20 do lens = lens + s:len() + #s:upper() end
print(lens)
print(pcall(function()
  local x = { n = 1 }
  for i = 1, 40 do
    local k = i < 35 and "n" or "missing"
    x[k] = x[k] + 1
  end
end))
print(pcall(function()
  local y = 5
  for i = 1, 40 do y = y + (i < 30 and 1 or y["k"]) end
end))

-- Other iterators: ipairs, a stateful closure, a custom next, __pairs, next replaced.
local arr = {}
for i = 1, 50 do arr[i] = i * i end
local s1 = 0
for i, v in ipairs(arr) do s1 = s1 + i * v end
local function range(n)
  local i = 0
  return function() i = i + 1; if i <= n then return i end end
end
local s2 = 0
for i in range(100) do s2 = s2 + i end
local s3 = 0
for k, v in next, { x = 1, y = 2, z = 3 } do s3 = s3 + v end
local pp = setmetatable({}, { __pairs = function(t3) return function(_, k)
  k = (k or 0) + 1
  if k <= 10 then return k, k * 2 end
end, t3, nil end })
local s4 = 0
for k, v in pairs(pp) do s4 = s4 + k + v end
do
  local next = function(tt, k) return nil end
  local s5 = 0
  for k in next, { a = 1 } do s5 = s5 + 1 end
  print(s1, s2, s3, s4, s5)
end

-- next over a table's array and hash parts together, with holes and removals.
local mixed = {}
for i = 1, 64 do mixed[i] = i end
for i = 1, 64, 3 do mixed[i] = nil end
for i = 1, 64 do mixed["h" .. i] = i end
for i = 1, 64, 5 do mixed["h" .. i] = nil end
local na, nh, acc = 0, 0, 0
for k, v in pairs(mixed) do
  if type(k) == "number" then na = na + 1 else nh = nh + 1 end
  acc = acc + v
end
print(na, nh, acc)

-- A key removed during traversal and an invalid key given to next.
print(pcall(function()
  local tt = { a = 1, b = 2, c = 3 }
  for k in pairs(tt) do tt[k] = nil end
  return count(tt)
end))
print(pcall(next, { a = 1 }, "zz"))

-- A pairs loop that calls, yields and errors in its body.
local co = coroutine.wrap(function()
  local src = {}
  for i = 1, 40 do src["c" .. i] = i end
  local n, c = 0, 0
  for k, v in pairs(src) do
    n, c = n + v, c + 1
    if c % 10 == 0 then coroutine.yield(c) end
  end
  return "end " .. n
end)
print(co(), co(), co(), co(), co())
print(pcall(function()
  local c = 0
  for k, v in pairs({ p = 1, q = 2, r = 3, s = 4 }) do
    c = c + 1
    if c == 3 then error("stop after " .. c) end
  end
end))

-- Big hash parts: traversal over many removed entries.
local big = {}
for i = 1, 5000 do big["b" .. i] = i end
for i = 1, 4990 do big["b" .. i] = nil end
local left = 0
for k, v in pairs(big) do left = left + v end
print(left, count(big))

-- ipairs loops: over arrays with a hole, a proxy with __index, a table growing and
-- shrinking during the loop, and a loop body that stops the loop with an error.
local function isum(t)
  local s, n = 0, 0
  for i, v in ipairs(t) do s = s + i * v; n = n + 1 end
  return s, n
end
local holes = {}
for i = 1, 200 do holes[i] = i end
holes[150] = nil
print(isum(holes))
local backing = {}
for i = 1, 120 do backing[i] = i % 7 end
local ip = setmetatable({ 1, 2, 3 }, { __index = function(_, i) return backing[i] end })
print(isum(ip))
local grow = { 1, 2, 3 }
local seen = 0
for i, v in ipairs(grow) do
  seen = seen + v
  if i < 100 then grow[#grow + 1] = i end
  if i == 60 then grow[90] = nil end
end
print(seen, #grow)
print(pcall(function()
  local n = 0
  for i, v in ipairs({ 5, 6, 7, "x", 8 }) do n = n + v end
end))
