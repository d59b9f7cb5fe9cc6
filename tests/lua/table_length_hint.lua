-- `#t` of tables with holes, exactly as PUC-Rio Lua 5.4 finds it: which border `luaH_getn`
-- returns depends on the table's length hint (`alimit`), which `#t` itself moves and every
-- integer-key read or write above it moves up (`luaH_getint`), and every resize resets.
-- 3,000 random sequences of appends, holes, removals, reads, table library calls and
-- rehashes (a deterministic generator: no math.random), each printed as a hash of every
-- length it saw, plus a few hand-made cases that pin each branch of `luaH_getn`.

local seed = 20261207
local function rnd(n)
  seed = seed * 6364136223846793005 + 1442695040888963407
  return ((seed >> 33) % n) + 1
end

-- Hand-made: after `#t` moved the hint down, a read above it moves it up again, and the
-- next `#t` searches from there (12 with the hint at 12, 3 once a read moved it to 15).
do
  local t = {}
  for i = 1, 12 do t[i] = i end          -- array part 16
  for i = 4, 8 do t[i] = nil end
  print("hint", #t)                       -- binary search from 16: 12, the new hint
  local _ = t[15]                         -- hint up to 15
  print("after read", #t)                 -- t[15], t[14] nil: search [0, 15)
  t[15] = 1
  print("after write", #t, #t)
  t[15] = nil
  t[14] = 1
  print("again", #t)
end

-- `t[#t+1] = v` keeps the hint one step behind: every `#` is O(1) and exact.
do
  local t = {}
  for i = 1, 1000 do t[#t + 1] = i end
  for _ = 1, 300 do t[#t] = nil end
  print("stack", #t)
  for i = 1, 500 do t[#t + 1] = i end
  print("stack", #t)
  t[1100] = nil
  print("stack", #t)
end

-- A constructor's array part (not a power of two: the hint never moves).
do
  local t = {1, 2, 3, nil, 5, 6, nil}
  print("ctor", #t)
  t[7] = 7
  print("ctor", #t)
  t[6] = nil
  print("ctor", #t)
end

-- Which border `#t` finds depends on the length hint, and on the array size, which a rehash
-- recomputes when a new key finds the node part full. When that happens depends, in Lua 5.4,
-- on where its keys' main positions fall once a key has been removed from the node part (a
-- removed key's node is reused only by a key whose main position it is; string positions
-- depend on a seed that changes from run to run). So the random sequences are of two kinds
-- whose result does not depend on that: (A) an array part sized beforehand by a constructor,
-- with every integer key inside it (no rehash at all: only the hint decides), and (B) no
-- removal of any key (holes only from sparse writes), with rehashes. (The generator draws
-- the same numbers whatever the lengths, so one wrong length does not change later cases.)

local function note(h, n)
  return (h * 31 + n) % 1000000007
end

-- (A) Keys 1..n of a presized array part of n = 2^k slots (or a constructor's odd size).
local function case_a(c)
  local n = 1 << (1 + rnd(8))
  if rnd(5) == 1 then n = n + rnd(n) - 1 end
  local t = load("return {" .. string.rep("nil, ", n) .. "}")()
  local fill = rnd(n)
  for i = 1, fill do t[i] = i end
  local h = 0
  for _ = 1, 40 + rnd(200) do
    local op = rnd(19)
    if op <= 3 then
      local b = #t
      if b < n then t[b + 1] = op end
    elseif op <= 5 then
      t[rnd(n)] = nil
    elseif op == 6 then
      t[rnd(n)] = true
    elseif op == 7 then
      local _ = t[rnd(n)]
    elseif op == 8 then
      h = note(h, #t)
    elseif op == 9 then
      if #t < n then table.insert(t, c) end
    elseif op == 10 then
      table.remove(t)
    elseif op == 11 then
      local b, r = #t, rnd(n)
      if b < n then table.insert(t, math.min(r, b + 1), c) end
    elseif op == 12 then
      local k = 0
      for _ in ipairs(t) do k = k + 1 end
      h = note(h, k)
    elseif op == 13 then
      h = note(h, rawlen(t))
    elseif op == 14 then
      t[#t] = nil
    elseif op == 15 then
      rawset(t, rnd(n), 1.0)
      h = note(h, rawget(t, rnd(n)) and 1 or 0)
    elseif op == 16 then
      local b, r = #t, rnd(n)
      if b > 1 then table.remove(t, math.min(r, b)) end
    elseif op == 17 then
      h = note(h, select("#", table.unpack(t, rnd(n), rnd(n))))
    elseif op == 18 then
      local ok = pcall(table.concat, t, ",", rnd(n), rnd(n))
      h = note(h, ok and 1 or 0)
    else
      local a, b = rnd(n), rnd(n)
      local e = math.min(b, n - a + 1)
      table.move(t, rnd(e), e, a)
    end
  end
  return note(h, #t)
end

-- (B) Appends, sparse writes, reads and rehashes, nothing removed.
local function case_b(c)
  local t
  local k = rnd(4)
  if k == 1 then
    t = {}
  elseif k == 2 then
    t = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
  elseif k == 3 then
    t = table.pack(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)
  else
    t = {x = 1, y = 2}
  end
  local maxn = 8 + rnd(300)
  local h = 0
  for _ = 1, 40 + rnd(200) do
    local op = rnd(12)
    if op <= 4 then
      t[#t + 1] = op
    elseif op <= 6 then
      t[rnd(maxn)] = op
    elseif op == 7 then
      local _ = t[rnd(maxn)]
    elseif op == 8 then
      h = note(h, #t)
    elseif op == 9 then
      table.insert(t, c)
    elseif op == 10 then
      local i = 0
      for _ in ipairs(t) do i = i + 1 end
      h = note(h, i)
    elseif op == 11 then
      t["k" .. rnd(40)] = c
    else
      h = note(h, rawlen(t))
      rawset(t, rnd(maxn) + 0.0, c)
    end
  end
  return note(h, #t)
end

local total = 0
for c = 1, 3000 do
  local h = c % 2 == 1 and case_a(c) or case_b(c)
  total = (total * 7 + h) % 1000000007
  if c % 10 == 0 then
    io.write(h, c % 100 == 0 and "\n" or " ")
  end
end
print("total", total)
