-- table.sort (outputs chosen so that they do not depend on sort stability)

local function show(t) return table.concat(t, " ") end
local a = {5, 2, 8, 1, 9, 3, 7, 4, 6, 0}
table.sort(a)
print(show(a))
table.sort(a, function(x, y) return x > y end)
print(show(a))
local s = {"pear", "apple", "fig", "banana", "kiwi", "Apple", "apple pie"}
table.sort(s)
print(show(s))
table.sort(s, function(x, y) return #x < #y or (#x == #y and x < y) end)
print(show(s))
-- numbers with duplicates (equal numbers are indistinguishable)
local d = {3, 1, 2, 3, 1, 2, 3, 1, 2}
table.sort(d)
print(show(d))
-- mixed integers and floats
local m = {3, 1.5, -2, 2^53, -0.5, 0, 10, 1e100, -1e100}
table.sort(m)
print(show(m))
-- empty and single
local e = {}
table.sort(e)
print(#e)
local one = {42}
table.sort(one)
print(one[1])
-- already sorted / reverse sorted large arrays
local big = {}
for i = 1, 1000 do big[i] = i end
table.sort(big, function(x, y) return x > y end)
print(big[1], big[500], big[1000])
for i = 1, 1000 do big[i] = (i * 7919) % 1000 end
table.sort(big)
local ok = true
for i = 2, 1000 do if big[i - 1] > big[i] then ok = false end end
print("sorted", ok, big[1], big[1000])
-- sort records by key, with unique keys
local recs = {{k = 3, v = "c"}, {k = 1, v = "a"}, {k = 2, v = "b"}}
table.sort(recs, function(x, y) return x.k < y.k end)
print(recs[1].v, recs[2].v, recs[3].v)
-- errors
-- (which operand comes first in the message depends on the algorithm)
local ok, e = pcall(table.sort, {1, "x", 2})
print(ok, e:match("^attempt to compare %a+ with %a+$") ~= nil)
print(pcall(table.sort, {1, 2, 3}, 42))
print(pcall(table.sort, {{}, {}}))
print(pcall(table.sort))
-- comparator count is not printed (implementation-dependent), but the result is
local cmpcalls = 0
local c = {9, 8, 7, 6, 5, 4, 3, 2, 1}
table.sort(c, function(x, y) cmpcalls = cmpcalls + 1 return x < y end)
print(show(c), cmpcalls > 0)
-- sort respects __lt of elements
local V = {__lt = function(x, y) return x.n < y.n end}
local vs = {}
for i, n in ipairs({4, 2, 9, 1}) do vs[i] = setmetatable({n = n}, V) end
table.sort(vs)
print(vs[1].n, vs[2].n, vs[3].n, vs[4].n)
