-- Functions that start by reading a table at a constant integer key (`t[1]`, as a tree walk
-- does) run in the interpreter's small loop: a read past a table's stored prefix gives nil
-- there only for a table with no hash part and no metatable; every other table (a hash
-- part, `__index`, a length hint, keys 0 and negative) takes the general path. Results as
-- lua5.4's.
local function bottom_up(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return { bottom_up(depth), bottom_up(depth) }
end

local function check(tree)
  if tree[1] then return 1 + check(tree[1]) + check(tree[2]) end
  return 1
end
print(check(bottom_up(10)))

-- leaves of every kind
local function first(t) return t[1], t[2], t[0], t[-1], t[3] end
local leaves = {
  {},
  { 10 },
  { 10, 20, 30 },
  { x = 1 },
  { [2] = "two" },
  { [0] = "zero", [-1] = "minus" },
  setmetatable({}, { __index = function(_, k) return "idx" .. k end }),
  setmetatable({}, { __index = { "a", "b", "c" } }),
  setmetatable({ 1 }, { __index = function(_, k) return k * 100 end }),
}
for i, t in ipairs(leaves) do
  print(i, first(t))
end

-- a table emptied again, one whose array part shrank, and one with removed hash keys
local t = { 1, 2, 3 }
t[1], t[2], t[3] = nil, nil, nil
print(first(t))
local h = { a = 1 }
h.a = nil
print(first(h))
local g = {}
for i = 1, 8 do g[i] = i end
for i = 8, 1, -1 do g[i] = nil end
print(first(g), #g)

-- a tree walk whose leaves gain an __index half-way
local mt = { __index = function() return false end }
local count = 0
local function walk(n)
  count = count + 1
  if n[1] then walk(n[1]) walk(n[2]) end
  if count == 100 then setmetatable(n, mt) end
end
local tree = bottom_up(8)
walk(tree)
print(count, check(tree))

-- errors: indexing a non-table at a constant integer key
local function bad(x) return x[1] end
print(pcall(bad, nil))
print(pcall(bad, 5))
print(select(2, pcall(bad, "s")))
