-- Big array parts (kept in chunks beyond a flat prefix, see src/vm/table_chunks.rs): reads,
-- writes, borders, traversal order and the table library across the chunk boundaries, growth
-- and shrinking across the small/big threshold, and a weak table with a big array part.
local N = 270000

local t = {}
for i = 1, N do t[i] = i * 3 end
print("len", #t)
local sum, cnt, last, ordered = 0, 0, 0, true
for k, v in pairs(t) do
  cnt = cnt + 1
  sum = sum + v
  if k ~= last + 1 then ordered = false end
  last = k
end
print("pairs", cnt, sum, ordered)
local s2 = 0
for i, v in ipairs(t) do s2 = s2 + v end
print("ipairs", s2)

-- Around the boundaries (2^14, 2^17, 2^18 and chunk edges).
for _, b in ipairs({16384, 16385, 16896, 131072, 131073, 131584, 262144, 262145}) do
  assert(t[b] == b * 3, b)
  t[b] = "x" .. b
  assert(t[b] == "x" .. b)
  t[b] = nil
  assert(t[b] == nil)
  assert(next(t, b - 1) == b + 1, b)
  t[b] = b * 3
end
print("boundaries ok", #t)

-- The table library over a big array.
table.insert(t, 1, -1)
print("insert", #t, t[1], t[2], t[N + 1])
print("remove", table.remove(t, 1), #t, t[1])
print("remove last", table.remove(t), #t)
t[#t + 1] = N * 3
local u = table.move(t, 131000, 131200, 1, {})
print("move", #u, u[1], u[201])
table.move(t, 1, 140000, 2)
print("move up", #t, t[1], t[2], t[140001], t[140002])
table.move(t, 2, 140001, 1)
t[140001] = 140001 * 3
print("move down", #t, t[140000], t[140001])
print("concat", table.concat(t, ",", 131070, 131075))
print("unpack", table.unpack(t, 131071, 131074))

local r = {}
local seed = 7
for i = 1, 140000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  r[i] = seed % 100000
end
table.sort(r)
local sorted = true
for i = 2, #r do if r[i - 1] > r[i] then sorted = false end end
print("sort", #r, sorted, r[1], r[70000], r[140000])

-- Shrinking: emptied, the array part goes when new keys make the table rehash.
for i = 1, N do t[i] = nil end
for i = 1, 50 do t["k" .. i] = i end
print("emptied", #t, next(t) ~= nil)
local n = 0
for k in pairs(t) do n = n + 1 end
print("left", n)

-- Growing again, from a constructor and by appends.
local g = {1, 2, 3}
for i = 4, 200000 do g[#g + 1] = i end
print("grown", #g, g[131072], g[200000])
for i = #g, 100001, -1 do g[i] = nil end
print("trimmed", #g, g[100000], g[100001])

-- A weak-valued table with a big array part.
local keep = {}
local w = setmetatable({}, {__mode = "v"})
for i = 1, 140000 do
  local o = {}
  w[i] = o
  if i % 2 == 0 then keep[#keep + 1] = o end
end
collectgarbage()
local alive = 0
for i = 1, 140000 do if w[i] ~= nil then alive = alive + 1 end end
print("weak", alive, w[2] == keep[1], w[1] == nil)
