-- __index and __newindex

-- __index table
local base = {greet = "hello", n = 1}
local t = setmetatable({}, {__index = base})
print(t.greet, t.n, t.missing, rawget(t, "greet"))
t.n = 2
print(t.n, base.n)

-- chain of __index tables
local a = {a = "A"}
local b = setmetatable({b = "B"}, {__index = a})
local c = setmetatable({c = "C"}, {__index = b})
print(c.a, c.b, c.c, c.d)

-- __index function gets table and key
local calls = {}
local f = setmetatable({}, {__index = function(tab, k)
  calls[#calls + 1] = tostring(k)
  return k .. "!"
end})
print(f.x, f[1], f.y)
print(table.concat(calls, " "))
-- existing keys do not call __index
f.x = "present"
print(f.x, #calls)

-- __index function returning only the first value
local multi = setmetatable({}, {__index = function() return 1, 2, 3 end})
print(multi.k)

-- __newindex table redirects assignment
local store = {}
local proxy = setmetatable({}, {__newindex = store})
proxy.a = 1
print(rawget(proxy, "a"), store.a)

-- __newindex function
local log = {}
local watched = setmetatable({}, {__newindex = function(tab, k, v)
  log[#log + 1] = k .. "=" .. tostring(v)
  rawset(tab, k, v)
end})
watched.x = 1
watched.x = 2  -- exists now: no call
watched.y = nil
print(table.concat(log, " "), watched.x)

-- __newindex chain through tables
local inner = {}
local mid = setmetatable({}, {__newindex = inner})
local outer = setmetatable({}, {__newindex = mid})
outer.k = "v"
print(rawget(outer, "k"), rawget(mid, "k"), inner.k)

-- read-only table
local function readonly(tab)
  return setmetatable({}, {
    __index = tab,
    __newindex = function(_, k) error("attempt to update a read-only table (key " .. tostring(k) .. ")", 2) end,
  })
end
local days = readonly({"Sun", "Mon"})
print(days[1], days[2], pcall(function() days[3] = "Tue" end))

-- default values
local function with_default(d) return setmetatable({}, {__index = function() return d end}) end
local dt = with_default(0)
dt.a = 5
print(dt.a, dt.b, dt[100])

-- __index on numeric keys and arrays
local arr = setmetatable({1, 2}, {__index = function(_, i) return i * 100 end})
print(arr[1], arr[2], arr[3], #arr)

-- __index is a metamethod looked up raw
local mt = {}
mt.__index = mt
mt.shared = "shared value"
local inst = setmetatable({}, mt)
print(inst.shared, inst.__index == mt)

-- rawget/rawset bypass
local bypass = setmetatable({}, {__index = function() return "meta" end, __newindex = function() error("no") end})
rawset(bypass, "k", "raw")
print(bypass.k, rawget(bypass, "other"), bypass.other)

-- __index on a table value that is itself indexed with a metamethod (userdata-like)
local deep = setmetatable({}, {__index = setmetatable({}, {__index = function(_, k) return "deep " .. k end})})
print(deep.z)

-- __newindex is not called for existing keys even if value is false
local cnt = 0
local fv = setmetatable({flag = false}, {__newindex = function() cnt = cnt + 1 end})
fv.flag = true
fv.other = true
print(fv.flag, rawget(fv, "other"), cnt)
