-- Method and field lookups through `__index` chains made right after a call returns into a
-- function that looks methods up (the interpreter's small loop follows `__index` tables
-- there): every answer, error and message must be as without that shortcut.
local function get(self) return self.v end
local function name(self) return self.tag end

local A = { tag = "A" }
A.__index = A
A.get = get
A.name = name
local B = setmetatable({ tag = "B", b1 = 1, b2 = 2 }, { __index = A })
B.__index = B
local C = setmetatable({ tag = "C" }, { __index = B })
C.__index = C

-- Objects sharing three classes, with different numbers of fields (different positions).
local objs = {}
for i = 1, 30 do
  local cls = (i % 3 == 0 and A) or (i % 3 == 1 and B) or C
  local o = { v = i }
  for k = 1, i % 4 do o["f" .. k] = k end
  objs[i] = setmetatable(o, cls)
end

local function sum_names(list, n)
  local s, names = 0, {}
  for i = 1, n do
    local o = list[i]
    s = s + o:get()
    names[#names + 1] = o:name()
  end
  return s, table.concat(names)
end
print(sum_names(objs, #objs))

-- `__index` of a class changed while a loop runs.
local Other = { tag = "O", get = function(self) return -self.v end, name = name }
local function changing(list, n)
  local s, names = 0, {}
  for i = 1, n do
    local o = list[i]
    if i == 10 then B.__index = Other end
    if i == 20 then B.__index = B end
    s = s + o:get()
    names[#names + 1] = o:name()
  end
  return s, table.concat(names)
end
print(changing(objs, #objs))

-- `__index` added to a metatable after `setmetatable`, and removed again.
local mt = {}
local late = setmetatable({ v = 5 }, mt)
local function try(o)
  local ok, err = pcall(function() return o:get() + o:get() end)
  return ok, err
end
print(try(late))
mt.__index = A
print(try(late), late:name())
mt.__index = nil
print(try(late), late.tag, rawget(late, "get"))

-- A method removed from a class (and put back) between calls; a field shadowing it.
local function calls(o, n)
  local r = {}
  for i = 1, n do
    if i == 2 then A.get = nil end
    if i == 3 then A.get = get end
    if i == 4 then o.get = function() return "own" end end
    local ok, v = pcall(function() return o:get() end)
    r[#r + 1] = tostring(ok) .. ":" .. tostring(v)
    r[#r + 1] = o:name()
  end
  return table.concat(r, " ")
end
print(calls(setmetatable({ v = 7 }, C), 5))

-- Long chains: 5 levels, and 20 (more than a shortcut follows), with the key at the end,
-- and a key found nowhere.
local function chain(depth)
  local base = { deep = "found", get = get }
  local top = base
  for _ = 1, depth do
    top = setmetatable({}, { __index = top })
  end
  return setmetatable({ v = depth }, { __index = top })
end
local function deep(o)
  local a = o:get()
  local b = o.deep
  local c = o.nowhere
  local d = o:get()
  return a, b, c, d
end
print(deep(chain(5)))
print(deep(chain(20)))
print(deep(chain(1998)))
print(pcall(deep, chain(1999)))
print(pcall(deep, chain(2100)))
-- Lua's last access of a chain is in the 2,000th table after the object (`luaV_finishget`).
for _, d in ipairs({ 1998, 1999, 2000 }) do
  local o, k, i = chain(d), "deep", 1
  print(d, pcall(function() return o.deep end), pcall(function() return o[k] end))
  print(d, pcall(function() return o.nowhere end), pcall(function() return o[i] end))
end
-- The same for `__newindex` tables: the last store is at a key the 2,000th table has.
local function nchain(depth, present)
  local base = { deep = present and 1 or nil }
  local top = base
  for _ = 1, depth do
    top = setmetatable({}, { __newindex = top })
  end
  return setmetatable({}, { __newindex = top }), base
end
for _, d in ipairs({ 1998, 1999, 2000 }) do
  for _, present in ipairs({ true, false }) do
    local o, base = nchain(d, present)
    print(d, present, pcall(function() o.deep = 5 end), base.deep)
  end
end

-- A loop of `__index` tables.
local l1, l2 = {}, {}
setmetatable(l1, { __index = l2 })
setmetatable(l2, { __index = l1 })
local function looped(o)
  local x = o:get()
  return x, o.missing
end
print(pcall(looped, setmetatable({ v = 1, get = get }, { __index = l1 })))
print(pcall(looped, setmetatable({ v = 1 }, { __index = l1 })))

-- `__index` functions, alone and behind tables.
local calls_made = 0
local F = setmetatable({}, {
  __index = function(t, k)
    calls_made = calls_made + 1
    if k == "get" then return get end
    return "fn:" .. k
  end,
})
local G = setmetatable({ tag = "G" }, { __index = F })
G.__index = G
local function via_fn(o)
  local a = o:get()
  local b = o.tag
  local c = o.other
  local d = o:get()
  return a, b, c, d
end
print(via_fn(setmetatable({ v = 3 }, { __index = F })))
print(via_fn(setmetatable({ v = 4 }, G)))
print("calls", calls_made)

-- A string as `__index` (the string metatable's `__index` then).
local S = setmetatable({}, { __index = "text" })
local function str_index(o)
  local len = o.len
  local up = o.upper
  return len("abcd"), up("x")
end
print(str_index(S))

-- `rawget` sees only the object's own fields.
local function raw(o)
  local m = o:get()
  return m, rawget(o, "get"), rawget(o, "v"), rawget(getmetatable(o).__index, "get") == get
end
print(raw(objs[3]))
print(raw(objs[1]))

-- Errors naming the field or method.
local function index_nil(o) return o.missing.x end
print(pcall(index_nil, setmetatable({}, { __index = A })))
local function call_nil(o)
  local v = o:get()
  return v + o:missing()
end
print(pcall(call_nil, setmetatable({ v = 1 }, B)))
local function index_num(o) return o.tag.x.y end
print(pcall(index_num, setmetatable({}, { __index = A })))

-- A class used as the metatable of many objects, its methods redefined while they run.
local P = {}
P.__index = P
function P.new(x) return setmetatable({ x = x }, P) end
function P:val() return self.x end
local total = 0
for i = 1, 200 do
  local p = P.new(i)
  if i == 100 then
    function P:val() return self.x * 2 end
  end
  total = total + p:val() + P.new(1):val()
end
print(total)
