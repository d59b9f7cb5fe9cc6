-- table functions through __index/__newindex/__len on proxies; errors of checktab and __len

local function proxy(store, log)
  return setmetatable({}, {
    __index = function(_, k) log[#log + 1] = "r" .. tostring(k) return store[k] end,
    __newindex = function(_, k, v) log[#log + 1] = "w" .. tostring(k) store[k] = v end,
    __len = function() log[#log + 1] = "#" return #store end,
  })
end

local store, log = {10, 20, 30}, {}
local p = proxy(store, log)
print(table.concat(p, ","), table.concat(log, " "))
log = {}
print(table.unpack(p))
print(table.concat(log, " "))
log = {}
table.insert(p, 40)
table.insert(p, 2, 15)
print(table.concat(store, ","), table.concat(log, " "))
log = {}
print(table.remove(p), table.remove(p, 1), table.concat(store, ","), table.concat(log, " "))
log = {}
table.sort(p, function(a, b) return a > b end)
print(table.concat(store, ","))
log = {}
local dst = proxy({}, log)
table.move(p, 1, 3, 2, dst)
print(table.concat(log, " "))

-- __index as a table (no call needed)
local base = {"a", "b", "c"}
local t = setmetatable({}, {__index = base, __len = function() return 3 end})
print(table.concat(t, "-"), table.unpack(t))
-- __len results
print(pcall(table.insert, setmetatable({}, {__len = function() return 2.5 end}), 1))
print(pcall(table.insert, setmetatable({}, {__len = function() return "x" end}), 1))
local s2 = setmetatable({}, {__len = function() return "2" end})
table.insert(s2, "v")
print(rawget(s2, 3))
print(pcall(table.concat, setmetatable({}, {__len = function() return 2 end})))
-- unpack uses the length operator without checking for a table
print(pcall(table.unpack, true))
print(pcall(table.unpack, nil))
print(pcall(table.unpack, 5))
-- functions that need a table
print(pcall(table.insert, nil, 1))
print(pcall(table.insert, 5, 1))
print(pcall(table.remove, "x"))
print(pcall(table.concat, 1))
print(pcall(table.sort, true))
print(pcall(table.move, {1}, 1, 1, 1, 5))
print(pcall(table.move, 5, 1, 1, 1))
-- __newindex only on new keys
local seen = {}
local partial = setmetatable({1, 2, 3}, {__newindex = function(t, k, v) seen[#seen + 1] = k rawset(t, k, v) end})
table.insert(partial, 1, 0)
print(table.concat(partial, ","), table.concat(seen, ","))
-- sort reading through __index and comparing with __lt
local V = {}
V.__lt = function(a, b) return a.v < b.v end
local vs = {}
for i, v in ipairs({5, 3, 8, 1, 9, 2}) do vs[i] = setmetatable({v = v}, V) end
local pv = setmetatable({}, {__index = vs, __newindex = vs, __len = function() return #vs end})
table.sort(pv)
local out = {}
for i = 1, #vs do out[i] = vs[i].v end
print(table.concat(out, " "))
-- __lt that errors
local E = {__lt = function() error("no order") end}
print(pcall(table.sort, {setmetatable({}, E), setmetatable({}, E)}))
-- errors in a comparator propagate
print(pcall(table.sort, {3, 2, 1}, function(a, b) error("cmp failed") end))
print(select(2, pcall(table.sort, {3, 2, 1}, function(a, b) error({code = 1}) end)).code)
