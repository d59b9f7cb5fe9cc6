-- Field reads and method calls through `__index` while the metatables change under them
-- (every cached fact, an absent `__index`, a position hint, must give way): a metatable
-- replaced after the first lookups, an `__index` field added, removed and put back (by
-- assignment and by rawset), one metatable shared by many objects, chains of `__index`
-- tables changed at each level, `__index` functions, an object's own field shadowing its
-- class's method. Each step runs in a loop (the interpreter's fast paths) and in small
-- functions (calls made from the fast loop).

local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  print(table.concat(t, " "))
end

-- 1. The metatable replaced after the first lookups.
local A = { name = "A" }
A.__index = A
function A:who() return "A:" .. self.v end
local B = { name = "B" }
B.__index = B
function B:who() return "B:" .. self.v end
local o = setmetatable({ v = 1 }, A)
local seen = {}
for i = 1, 8 do
  if i == 4 then setmetatable(o, B) end
  if i == 6 then setmetatable(o, nil) end
  if i == 7 then setmetatable(o, A) end
  seen[#seen + 1] = tostring(o.name) .. "/" .. (o.who and o:who() or "-")
end
show(table.concat(seen, " "))

-- 2. `__index` added, removed, put back: by assignment and by rawset.
local mt = {}
local class = { k = "class k", m = function(self) return "m of " .. self.id end }
local x = setmetatable({ id = "x" }, mt)
local out = {}
for i = 1, 12 do
  local step = i % 4
  if step == 1 then mt.__index = class
  elseif step == 2 then rawset(mt, "__index", nil)
  elseif step == 3 then rawset(mt, "__index", class)
  else mt.__index = nil end
  out[#out + 1] = tostring(x.k) .. ":" .. (x.m and x:m() or "none")
end
show(table.concat(out, " "))

-- The metatable's hash part rebuilt (positions move) between lookups.
mt.__index = class
local before = x.k
for i = 1, 50 do mt["pad" .. i] = i end
for i = 1, 50, 2 do mt["pad" .. i] = nil end
show(before, x.k, x:m())
mt.__index = nil
show(x.k, rawget(mt, "__index"))
mt.__index = class
show(x.k)

-- 3. One metatable shared by many objects; the class changes under all of them.
local Shared = {}
Shared.__index = Shared
function Shared:get() return self.n * 10 end
local objs = {}
for i = 1, 20 do objs[i] = setmetatable({ n = i }, Shared) end
local function sum()
  local s = 0
  for i = 1, #objs do s = s + objs[i]:get() end
  return s
end
show(sum())
function Shared:get() return self.n end
show(sum())
objs[5].get = function() return 1000 end -- an object's own field shadows the class's
show(sum())
objs[5].get = nil -- removed again: the class's method
show(sum())
Shared.get = nil
Shared.__index = function(_, k) return function(self) return k .. self.n end end
show(objs[3]:get(), objs[7]:whatever())
Shared.__index = Shared
Shared.get = function(self) return -self.n end
show(sum())

-- 4. Chains of `__index` tables, each level changed in turn.
local L3 = { f = "L3.f", g = "L3.g", h = "L3.h" }
local L2 = setmetatable({ g = "L2.g" }, { __index = L3 })
local L1mt = { __index = L2 }
local L1 = setmetatable({}, L1mt)
local objmt = { __index = L1 }
local deep = setmetatable({}, objmt)
local function read() return tostring(deep.f) .. "," .. tostring(deep.g) .. "," .. tostring(deep.h) end
local res = {}
for i = 1, 10 do
  if i == 2 then L1.f = "L1.f" end
  if i == 3 then L2.h = "L2.h" end
  if i == 4 then L1.f = nil end
  if i == 5 then getmetatable(L2).__index = nil end
  if i == 6 then getmetatable(L2).__index = { h = "new L3 h", f = "new L3 f" } end
  if i == 7 then L2.h = nil end
  if i == 8 then L1mt.__index = L3 end
  if i == 9 then objmt.__index = L2 end
  if i == 10 then deep.g = "own g" end
  res[#res + 1] = read()
end
for i = 1, #res do print(i, res[i]) end

-- A chain longer than a few links, changed at its far end.
local far = { key = "far" }
local cur = far
for _ = 1, 30 do cur = setmetatable({}, { __index = cur }) end
local head = cur
show(head.key, head.missing)
far.key = "far2"
far.missing = "now here"
show(head.key, head.missing)

-- A chain made a loop (the error, caught), then fixed.
local loopa, loopb = {}, {}
setmetatable(loopa, { __index = loopb })
local lbmt = { __index = loopa }
setmetatable(loopb, lbmt)
show(pcall(function() return loopa.nothing end))
lbmt.__index = { nothing = "found" }
show(loopa.nothing)

-- 5. `__index` functions: switched with tables in a loop, counting their calls.
local calls = 0
local fmt = {}
local fobj = setmetatable({ own = "own" }, fmt)
local fclass = { k = "table k" }
local got = {}
for i = 1, 9 do
  if i % 3 == 1 then
    fmt.__index = function(t, k) calls = calls + 1; return "fn " .. k .. " " .. rawget(t, "own") end
  elseif i % 3 == 2 then
    fmt.__index = fclass
  else
    fmt.__index = nil
  end
  got[#got + 1] = tostring(fobj.k) .. "/" .. fobj.own
end
show(table.concat(got, " "), calls)

-- An `__index` function reached through a chain of tables, then replaced by a table.
local base = setmetatable({}, { __index = function(_, k) return "base fn " .. k end })
local mid = setmetatable({}, { __index = base })
local top = setmetatable({}, { __index = mid })
show(top.a, top.b)
getmetatable(base).__index = { a = "base table a" }
show(top.a, top.b)

-- An `__index` string (indexing goes on through the string metatable).
local smt = { __index = "abc" }
local sobj = setmetatable({}, smt)
show(sobj.upper == string.upper, sobj.len == string.len)
smt.__index = { upper = "own upper" }
show(sobj.upper)

-- 6. Method calls from small functions (calls and returns made by the fast loop), with the
-- class changed between rounds.
local P = {}
P.__index = P
function P.new(x, y) return setmetatable({ x = x, y = y }, P) end
function P:sum() return self.x + self.y end
function P:scale(k) return P.new(self.x * k, self.y * k) end
local Q = setmetatable({}, { __index = P })
Q.__index = Q
function Q:sum() return 100 + self.x + self.y end
local function round(p, q)
  local a = p:sum()
  local b = q:sum()
  local c = q:scale(2):sum()
  return a + b + c
end
local p, q = P.new(1, 2), setmetatable({ x = 3, y = 4 }, Q)
local totals = {}
for r = 1, 6 do
  if r == 2 then Q.scale = function(self, k) return setmetatable({ x = self.x + k, y = self.y }, Q) end end
  if r == 3 then Q.sum = nil end
  if r == 4 then getmetatable(Q).__index = { sum = function() return 7 end, scale = P.scale } end
  if r == 5 then setmetatable(p, Q) end
  if r == 6 then P.sum = function() return 0 end; getmetatable(Q).__index = P end
  totals[#totals + 1] = round(p, q)
end
show(table.concat(totals, " "))
