-- weak tables: what a full collectgarbage() removes (only states right after a full
-- collection are printed: automatic collections may come at other points)

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- weak values: collectable values go, strings/numbers/booleans/light functions stay
local v = setmetatable({}, {__mode = "v"})
local keep = {}
v[1] = {}            -- array part, dead
v[2] = keep          -- array part, alive
v.a = {}             -- hash part, dead
v.b = "str"          -- strings are values
v.c = 3.5
v.d = true
v.e = print          -- a function without upvalues of its own
v.f = function() return keep end   -- a closure: collectable
v.g = coroutine.create(function() end)
collectgarbage()
print("v:", v[1], v[2] == keep, v.a, v.b, v.c, v.d, v.e == print, v.f, v.g)

-- weak keys: entries with dead keys go; other keys stay
local k = setmetatable({}, {__mode = "k"})
local alive = {}
k[alive] = 1
k[{}] = 2
k[function() end] = 3
k["s"] = {}          -- string key: its value is strongly held
k[10] = {}
collectgarbage()
print("k:", count(k), k[alive], type(k.s), type(k[10]))

-- both
local kv = setmetatable({}, {__mode = "kv"})
kv[alive] = {}       -- dead value
kv[{}] = alive       -- dead key
kv.x = alive         -- both alive
kv[alive] = alive
collectgarbage()
print("kv:", count(kv), kv.x == alive, kv[alive] == alive)

-- ephemerons: a value reachable only through its own key does not keep the key
local e = setmetatable({}, {__mode = "k"})
do
  local a, b = {}, {}
  e[a] = {b}          -- a -> b
  e[b] = {a}          -- b -> a: a cycle through values only
  local c = {}
  e[c] = c            -- value is the key itself
end
collectgarbage()
print("ephemeron cycle:", count(e))

-- a chain: each key is reachable through the previous entry's value
local chain = setmetatable({}, {__mode = "k"})
local head = {}
local cur = head
for i = 1, 50 do
  local n = {}
  chain[cur] = {next = n, i = i}
  cur = n
end
collectgarbage()
local len, p = 0, head
while chain[p] do len = len + 1; p = chain[p].next end
print("chain:", len, count(chain))
head = nil
collectgarbage()
print("chain after dropping head:", count(chain))

-- weakness follows setmetatable; setting a strong metatable makes the table strong again
local t = setmetatable({}, {__mode = "v"})
local x = {}
t[1] = x
setmetatable(t, nil)
x = nil
collectgarbage()
print("made strong:", type(t[1]))
setmetatable(t, {__mode = "vk"})
collectgarbage()
print("made weak again:", t[1])

-- a __mode without 'k' or 'v' is not weak
local nw = setmetatable({}, {__mode = "x"})
nw[1] = {}
collectgarbage()
print("mode x:", type(nw[1]))

-- traversal goes on after a collection removed other entries
local tr = setmetatable({}, {__mode = "v"})
local vals = {}
for i = 1, 10 do vals[i] = {} ; tr["k" .. i] = vals[i] end
local seen = 0
for key, val in pairs(tr) do
  seen = seen + 1
  if seen == 3 then
    for i = 1, 10 do if vals[i] ~= val then vals[i] = nil end end
    collectgarbage()
  end
end
print("traversal:", seen, count(tr))

-- weak tables inside weak tables, and a weak table collected itself
local outer = setmetatable({}, {__mode = "v"})
outer[1] = setmetatable({{}}, {__mode = "v"})
collectgarbage()
print("nested:", outer[1])

-- long strings as keys are values too
local ls = setmetatable({}, {__mode = "k"})
ls[string.rep("x", 100)] = {}
collectgarbage()
print("long string key:", type(ls[string.rep("x", 100)]))

-- rawlen and # see the cleared array part
local arr = setmetatable({}, {__mode = "v"})
local hold = {}
for i = 1, 8 do arr[i] = (i <= 4) and hold or {} end
collectgarbage()
print("array:", arr[4] == hold, arr[5], arr[8])
