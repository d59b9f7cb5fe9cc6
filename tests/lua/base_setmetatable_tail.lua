-- `return setmetatable(o, C)` (a native in tail position, made by the interpreter without
-- the native call when it can be: vm/finish.rs) in every case, against lua5.4.
local C = {}
C.__index = C
function C.new(x) return setmetatable({ x = x }, C) end
function C:get() return self.x end
local o = C.new(5)
print(o:get(), getmetatable(o) == C)

-- A metatable replaced, removed (nil: the native), extra arguments.
local D = { __index = { get = function() return "D" end } }
local function re(t, m) return setmetatable(t, m) end
print(re(o, D):get(), getmetatable(o) == D)
print(re(o, nil) == o, getmetatable(o))
local function extra(t, m) return setmetatable(t, m, 1, 2) end
print(extra(o, C):get())

-- Errors: a protected metatable, wrong arguments.
local P = setmetatable({}, { __metatable = "locked" })
print(pcall(re, P, C))
print(pcall(re, 1, C))
print(pcall(re, {}, 1))
print(pcall(function(t) return setmetatable(t) end, {}))
print(getmetatable(P))

-- Weak and finalized objects made by a constructor.
local W = { __mode = "k" }
local function weak() return setmetatable({}, W) end
local w = weak()
w[{}] = 1
collectgarbage()
print(next(w))
local log = {}
local G = { __gc = function(x) log[#log + 1] = x.n end }
local function fin(n) return setmetatable({ n = n }, G) end
do
  for i = 1, 3 do fin(i) end
end
collectgarbage()
collectgarbage()
table.sort(log)
print(table.concat(log, " "))

-- Results: one, as many as wanted.
local function two() return setmetatable({}, C), 2 end
local a, b, c = C.new(1), re({}, C)
print(getmetatable(a) == C, getmetatable(b) == C, c)
print(select("#", re({}, C)))
local t = { re({}, C), re({}, C) }
print(#t)
