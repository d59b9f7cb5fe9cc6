-- table functions go through __index/__newindex/__len and word their errors as Lua does
local function p(...) print(pcall(...)) end
p(table.insert, {}, 1, 2, 3)
p(table.insert, {})
p(table.insert, {1, 2}, 5, 1)
p(table.concat, {1, {}, 3})
p(table.concat, {"a", "b"}, ",", 1, 3)
p(table.concat, {"a", "b"}, {})
p(table.remove, {1, 2, 3}, 7)
p(table.unpack, {}, 1, 1e8)
p(table.move, {1, 2, 3}, -1, math.maxinteger, 2)
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = "get" .. k; return k * 10 end,
  __newindex = function(_, k, v) log[#log + 1] = "set" .. k .. "=" .. tostring(v) end,
  __len = function() log[#log + 1] = "len"; return 3 end,
})
print(table.concat(proxy, ","))
table.insert(proxy, 99)
table.insert(proxy, 1, 5)
print(table.remove(proxy), table.remove(proxy, 1))
print(table.unpack(proxy))
table.move(proxy, 1, 3, 2)
print(table.concat(log, " "))
p(table.insert, setmetatable({}, {__len = function() return "x" end}), 1)
p(table.unpack, setmetatable({}, {__len = function() return 2.5 end}))
print(table.concat(setmetatable({}, {__len = function() return 2.0 end, __index = function(_, k) return k end}), "-"))
