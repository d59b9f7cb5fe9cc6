-- table library functions honour metamethods (5.4 uses lua_geti/lua_seti)

local log = {}
local backing = {"a", "b", "c"}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = "get" .. tostring(k) return backing[k] end,
  __newindex = function(_, k, v) log[#log + 1] = "set" .. tostring(k) backing[k] = v end,
  __len = function() log[#log + 1] = "len" return #backing end,
})
print(table.concat(proxy, ","), table.concat(log, " "))
log = {}
print(table.unpack(proxy))
print(table.concat(log, " "))
log = {}
table.insert(proxy, "d")
print(table.concat(log, " "), table.concat(backing, ","))
log = {}
print(table.remove(proxy), table.concat(log, " "))
log = {}
table.sort(proxy, function(x, y) return x > y end)
print(table.concat(backing, ","))
log = {}
local moved = table.move(proxy, 1, 2, 1, {})
print(moved[1], moved[2], table.concat(log, " "))
-- ipairs also uses __index
log = {}
for i, v in ipairs(proxy) do end
print(table.concat(log, " "))
-- # uses __len, but rawlen does not
print(#proxy, rawlen(proxy))
-- next / pairs do not use __index
print(next(proxy))
