-- table.insert and table.remove

local function show(t) local o = {} for i = 1, #t do o[i] = tostring(t[i]) end return "{" .. table.concat(o, ",") .. "}" end

local t = {}
table.insert(t, "a")
table.insert(t, "b")
table.insert(t, 1, "first")
table.insert(t, 2, "second")
table.insert(t, #t + 1, "last")
print(show(t), #t)
print(table.remove(t), show(t))
print(table.remove(t, 1), show(t))
print(table.remove(t, 2), show(t))
print(table.remove(t, #t), show(t))
print(table.remove(t), show(t))
print(table.remove(t), show(t), #t)
-- remove on empty table returns nil (position #t+1 and 0 allowed)
print(table.remove({}), table.remove({}, 0), table.remove({}, 1))
local one = {"x"}
print(table.remove(one, 2), #one)
-- remove at #t+1
local r = {1, 2, 3}
print(table.remove(r, 4), show(r))
-- out of bounds
print(pcall(table.remove, {1, 2, 3}, 5))
print(pcall(table.remove, {1, 2, 3}, -1))
print(pcall(table.insert, {1, 2, 3}, 0, "x"))
print(pcall(table.insert, {1, 2, 3}, 5, "x"))
print(pcall(table.insert, {1, 2, 3}, 4, "x"))
print(pcall(table.insert, {}, 1, 2, 3))
print(pcall(table.insert, {}))
-- inserting nil
local n = {1, 2}
table.insert(n, nil)
print(#n)
-- insert with float position having an integer value
local f = {1, 2}
table.insert(f, 2.0, "mid")
print(show(f))
print(pcall(table.insert, f, 1.5, "x"))
-- stack and queue usage
local stack = {}
for i = 1, 5 do table.insert(stack, i) end
local popped = {}
while #stack > 0 do popped[#popped + 1] = table.remove(stack) end
print(table.concat(popped, " "))
local queue = {}
for i = 1, 5 do table.insert(queue, i) end
local served = {}
while #queue > 0 do served[#served + 1] = table.remove(queue, 1) end
print(table.concat(served, " "))
-- insert/remove respect metamethods (__index/__newindex/__len)
local log = {}
local proxy = setmetatable({}, {
  __len = function() return 2 end,
  __index = function(_, k) log[#log + 1] = "get" .. k return "v" .. k end,
  __newindex = function(t, k, v) log[#log + 1] = "set" .. k .. "=" .. tostring(v) end,
})
table.insert(proxy, "new")
table.insert(proxy, 1, "front")
print(table.concat(log, " "))
log = {}
print(table.remove(proxy, 1), table.concat(log, " "))
