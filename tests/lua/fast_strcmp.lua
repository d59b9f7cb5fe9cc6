-- String comparisons in loops (`fast::hot`'s keyed variant compares strings, charging
-- what `execute` charges): every outcome, long strings, embedded zeros, and the cases it
-- leaves to `execute` (mixed types, metamethods, errors).

local words = {}
for i = 1, 200 do words[i] = "w" .. (i * 7919 % 211) end

-- Counting inversions with <, <=, >, >= (the compiler swaps operands for > and >=).
local lt, le, gt, ge = 0, 0, 0, 0
for i = 2, #words do
  local a, b = words[i - 1], words[i]
  if a < b then lt = lt + 1 end
  if a <= b then le = le + 1 end
  if a > b then gt = gt + 1 end
  if a >= b then ge = ge + 1 end
end
print(lt, le, gt, ge)

-- Negated tests (the `k` flag) and equal strings.
local same = 0
for i = 1, 100 do
  local s = words[i]
  if not (s < s) then same = same + 1 end
  if not (s <= s) then same = same - 1000 end
end
print(same)

-- Prefixes, empty strings and embedded zeros.
local cases = { "", "a", "ab", "a\0", "a\0b", "a\0a", "\0", "b", "aa", "\255", "A" }
local out = {}
for i = 1, #cases do
  local row = {}
  for j = 1, #cases do
    local x, y = cases[i], cases[j]
    row[#row + 1] = (x < y and "<" or "") .. (x <= y and "=" or "-")
  end
  out[#out + 1] = table.concat(row, " ")
end
print(table.concat(out, "\n"))

-- Long strings (charged by length) in a loop.
local long1 = string.rep("x", 10000) .. "a"
local long2 = string.rep("x", 10000) .. "b"
local n = 0
for i = 1, 300 do
  if long1 < long2 then n = n + 1 end
  if long2 <= long1 then n = n + 1000 end
end
print(n)

-- A sorted check with a while loop and a break.
table.sort(words)
local i, sorted = 2, true
while i <= #words do
  if words[i] < words[i - 1] then sorted = false break end
  i = i + 1
end
print(sorted, words[1], words[#words])

-- A number among the strings: the loop leaves the comparison to `execute`, which raises.
local mixed = { "a", "b", 3, "d" }
print(pcall(function()
  local c = 0
  for j = 2, #mixed do
    if mixed[j - 1] < mixed[j] then c = c + 1 end
  end
  return c
end))

-- Strings and numbers alternate between turns of the same loop.
local alt = { 1, 2, "x", "y", 3.5, 4, "z", "zz" }
local c = 0
for j = 1, #alt - 1, 2 do
  if alt[j] < alt[j + 1] then c = c + 1 end
end
print(c)

-- Tables with __lt and __le in the same loop as strings.
local mt = { __lt = function(p, q) return p.v < q.v end, __le = function(p, q) return p.v <= q.v end }
local objs = {}
for j = 1, 20 do objs[j] = setmetatable({ v = "o" .. (j * 13 % 20) }, mt) end
local m = 0
for j = 2, #objs do
  if objs[j - 1] < objs[j] then m = m + 1 end
  if objs[j - 1].v <= objs[j].v then m = m + 100 end
end
print(m)

-- Comparing a string with a table errors with Lua's message.
print(pcall(function() for _ = 1, 10 do if "a" < {} then end end end))
print(pcall(function() for _ = 1, 10 do if {} <= "a" then end end end))
