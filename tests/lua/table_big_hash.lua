-- Big hash parts (entries kept in chunks beyond a flat prefix of 2^15, a sharded index, and
-- doublings that keep the entries in place, see src/vm/table_hchunks.rs): lookups, stores,
-- removal during traversal, `next` from removed keys, rehashes with removed keys, integer
-- keys moving to the array part, and a weak table with a big hash part. Only results that do
-- not depend on the traversal order are printed (Lua's order is its hash order).
local N = 70000

local t = {}
for i = 1, N do t["k" .. i] = i end
local cnt, sum = 0, 0
for k, v in pairs(t) do
  cnt = cnt + 1
  sum = sum + v
  assert(t[k] == v)
end
print("filled", cnt, sum, #t)
local ok = true
for i = 1, N do if t["k" .. i] ~= i then ok = false end end
print("lookups", ok, t.k0, t["k" .. (N + 1)])

-- Stores at existing keys, and removals, during a traversal.
local visited = 0
for k, v in pairs(t) do
  visited = visited + 1
  if v % 3 == 0 then
    t[k] = nil
  else
    t[k] = v * 2
  end
end
cnt, sum = 0, 0
for k, v in pairs(t) do cnt = cnt + 1; sum = sum + v end
print("traversal", visited, cnt, sum)

-- `next` from a removed key goes on (no new key is added in between).
local gone = 0
for i = 3, N, 3000 do
  local k = "k" .. (i - i % 3 + 3)
  if pcall(next, t, k) then gone = gone + 1 end
end
print("next after removed", gone)

-- New keys until the part rehashes: the removed keys go, the rest stays.
for i = 1, 40000 do t["n" .. i] = -i end
cnt, sum = 0, 0
for k, v in pairs(t) do cnt = cnt + 1; sum = sum + v end
print("after rehash", cnt, sum, t.k1, t.k3, t.n40000)
for i = 1, N, 7 do t["k" .. i] = nil end
for i = 1, N, 7 do t["k" .. i] = i end
cnt = 0
for _ in pairs(t) do cnt = cnt + 1 end
print("reinserted", cnt, t.k1, t.k8)

-- Sparse integer keys stay in the hash part; filling the gaps moves them to the array part.
local s = {}
for i = 1, 40000 do s[i * 2] = i end
print("sparse", #s == 0 or s[#s + 1] == nil, s[2], s[80000], s[1])
for i = 1, 80001, 2 do s[i] = -i end
cnt, sum = 0, 0
for k, v in pairs(s) do cnt = cnt + 1; sum = sum + v end
print("dense", cnt, sum, #s, s[80000], s[80001])

-- Mixed keys: floats, booleans, tables.
local m, objs = {}, {}
for i = 1, 36000 do
  m[i + 0.5] = i
  local o = {}
  objs[i] = o
  m[o] = i
end
m[true], m[false] = "t", "f"
cnt, sum = 0, 0
for k, v in pairs(m) do
  cnt = cnt + 1
  if type(v) == "number" then sum = sum + v end
end
print("mixed", cnt, sum, m[1.5], m[objs[36000]], m[true], m[false])

-- A weak-keyed table with a big hash part.
local keep = {}
local w = setmetatable({}, {__mode = "k"})
for i = 1, 50000 do
  local o = {}
  w[o] = i
  if i % 2 == 0 then keep[#keep + 1] = o end
end
collectgarbage()
cnt, sum = 0, 0
for k, v in pairs(w) do cnt = cnt + 1; sum = sum + v end
print("weak", cnt, sum, w[keep[1]], w[keep[25000]])
