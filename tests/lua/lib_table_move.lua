-- table.move

local function show(t, n) local o = {} for i = 1, n or #t do o[i] = tostring(t[i]) end return table.concat(o, ",") end

local a = {1, 2, 3, 4, 5}
table.move(a, 2, 4, 1)
print(show(a))
a = {1, 2, 3, 4, 5}
table.move(a, 1, 3, 3)
print(show(a))
a = {1, 2, 3}
local b = table.move(a, 1, 3, 2, {})
print(show(b, 4), b ~= a)
print(table.move({1, 2, 3}, 1, 0, 1, {"x"})[1])
local r = table.move({1, 2, 3}, 1, 3, 1, {})
print(show(r))
-- returns the destination table
local dst = {}
print(table.move({7}, 1, 1, 1, dst) == dst)
-- negative and large indices
local c = table.move({1, 2, 3}, 1, 3, -1, {})
print(c[-1], c[0], c[1])
print(pcall(table.move, {}, 1, math.maxinteger, 2))
print(pcall(table.move, {}, -1, math.maxinteger, 1))
local moved = {1}
print(pcall(table.move, moved, 1, 1, math.maxinteger), moved[math.maxinteger])
-- uses metamethods
local log = {}
local src = setmetatable({}, {__index = function(_, k) log[#log + 1] = "r" .. k return k * 10 end})
local dst2 = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = "w" .. k .. "=" .. v rawset(t, k, v) end})
table.move(src, 1, 3, 5, dst2)
print(table.concat(log, " "))
