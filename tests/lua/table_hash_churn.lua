-- Removals and inserts in a big hash part (past the flat prefix of 2^15 entries, see
-- src/vm/table_hchunks.rs): each time new keys fill the part, Lua's rehash drops the removed
-- keys (compacted in place, see src/vm/table_compact.rs). Checks lookups, counts, `next`
-- during traversals that assign nil, integer keys beyond the array part and the array part
-- itself across those rehashes. Only results that do not depend on the traversal order are
-- printed (Lua's order is its hash order).
local t = {}
local live = 0
local function add(k, v) if t[k] == nil then live = live + 1 end t[k] = v end
local function del(k) if t[k] ~= nil then live = live - 1 end t[k] = nil end
for i = 1, 16 do add(i, i) end
for i = 1, 50000 do add("k" .. i, i) end
for i = 1, 300 do add(100000 + 17 * i, -i) end

local function check(tag)
  local n, s = 0, 0
  for k, v in pairs(t) do
    n = n + 1
    s = s + v
    assert(t[k] == v)
  end
  print(tag, n, n == live, s, #t, t[1], t[16])
end
check("filled")

-- A queue: the oldest key removed, a new one added (removed keys pile up at the front).
local lo, hi = 1, 50000
local x = 7
for round = 1, 4 do
  for j = 1, 15000 do
    del("k" .. lo)
    lo = lo + 1
    hi = hi + 1
    add("k" .. hi, hi)
    -- And scattered removals and reinsertions.
    x = (x * 1103515245 + 12345) % 2147483648
    local r = lo + x % (hi - lo)
    if t["k" .. r] then del("k" .. r) else add("k" .. r, r) end
  end
  check("round " .. round)
  local ok = true
  for i = lo, hi, 97 do
    local v = t["k" .. i]
    if v ~= nil and v ~= i then ok = false end
  end
  print("lookups", ok, t["k" .. (lo - 1)], t["k" .. (hi + 1)], t[100000 + 17 * 5])
end

-- Removals during a traversal, then new keys up to (and past) a rehash, then a traversal
-- that clears half the keys and goes on with `next` from each removed key.
local visited = 0
for k, v in pairs(t) do
  visited = visited + 1
  if type(k) == "string" and v % 4 == 0 then del(k) end
end
print("visited", visited)
for i = 1, 20000 do add("m" .. i, i) end
check("refilled")
local k, n, cleared = nil, 0, 0
repeat
  local v
  k, v = next(t, k)
  if k ~= nil then
    n = n + 1
    if v % 2 == 0 then del(k) cleared = cleared + 1 end
  end
until k == nil
print("cleared", n, cleared, live)
check("after")
