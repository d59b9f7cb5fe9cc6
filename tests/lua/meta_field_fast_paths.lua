-- Field reads and writes on tables with metatables, through the interpreter's constant-key
-- fast paths: an existing field is stored without consulting __newindex, an absent one
-- (never set, or set to nil) goes through __newindex; method lookups follow __index chains
-- of several classes whose fields sit at different positions.

local log = {}
local function note(...) log[#log + 1] = table.concat({...}, " ") end

-- __newindex only for absent keys
local mt = {__newindex = function(t, k, v) note("newindex", k, tostring(v)); rawset(t, k, v) end}
local o = setmetatable({}, mt)
for i = 1, 3 do
  o.x = i          -- first absent (newindex), then existing (raw)
  o.y = i * 10
end
note("x", o.x, "y", o.y)
o.x = nil          -- existing: raw store of nil
o.x = 7            -- absent again: newindex
note("x", o.x)

-- __newindex as a table: absent keys go to the other table
local store = {}
local p = setmetatable({a = 1}, {__newindex = store})
for i = 1, 3 do p.a = i; p.b = i end
note("p.a", p.a, "p.b", tostring(p.b), "store.b", store.b)

-- a table that is its own metatable
local s = {}
s.__newindex = function(t, k, v) note("self newindex", k, v); rawset(t, k, v) end
setmetatable(s, s)
for i = 1, 2 do s.f = i end
note("s.f", s.f)

-- objects of several classes built in different orders: the same constant key at different
-- positions in each class and object
local function class(cname, fields)
  local c = {}
  for _, f in ipairs(fields) do
    c[f] = function(self) return cname .. "." .. f .. ":" .. tostring(self.v) end
  end
  c.__index = c
  return c
end
local A = class("A", {"run", "stop", "name"})
local B = class("B", {"name", "stop", "run"})
local C = setmetatable(class("C", {"stop"}), {__index = A})   -- run and name inherited from A
local objs = {}
for i = 1, 9 do
  local k = ({A, B, C})[i % 3 + 1]
  local obj = setmetatable(i % 2 == 0 and {v = i} or {w = 0, v = i}, k)
  objs[#objs + 1] = obj
end
for round = 1, 2 do
  local out = {}
  for _, obj in ipairs(objs) do
    out[#out + 1] = obj:run() .. "," .. obj:stop() .. "," .. obj:name()
  end
  note(table.concat(out, " "))
end

-- a method defined on the object shadows its class; removing it shows the class's again
local d = setmetatable({v = 0}, A)
for i = 1, 3 do
  if i == 2 then d.run = function() return "own" end end
  if i == 3 then d.run = nil end
  note("d:run()", d:run())
end

-- __index functions and chains ending in nil
local e = setmetatable({}, {__index = function(t, k) return "fn:" .. k end})
local f = setmetatable({}, {__index = setmetatable({}, {__index = {deep = "yes"}})})
for i = 1, 2 do note(e.anything, f.deep, tostring(f.missing)) end

-- writes to an existing field of an object whose metatable changes under it
local g = setmetatable({x = 1}, {})
for i = 1, 3 do
  if i == 2 then setmetatable(g, {__newindex = function() note("never") end}) end
  g.x = i
end
note("g.x", g.x)

-- weak-valued object with a metatable: existing fields are stored the same
local w = setmetatable({k = {}}, {__mode = "v"})
for i = 1, 3 do w.k = i end
note("w.k", w.k)

for _, line in ipairs(log) do print(line) end
