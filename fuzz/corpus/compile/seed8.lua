-- <const> and <close> variables

local K <const> = 10
local S <const> = "str"
print(K * 2, S .. "!")
local f = function() return K + 1 end
print(f())

local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(self, err)
    log[#log + 1] = name .. (err ~= nil and ("(" .. tostring(err) .. ")") or "")
  end})
end
local function flush(label)
  print(label, table.concat(log, " "))
  log = {}
end

-- reverse order on normal block exit
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local c <close> = closer("c")
  log[#log + 1] = "body"
end
flush("block")

-- nil and false are allowed and ignored
do
  local x <close> = nil
  local y <close> = false
  local z <close> = closer("z")
end
flush("nil/false")

-- closing on break
for i = 1, 3 do
  local a <close> = closer("loop" .. i)
  if i == 2 then break end
end
flush("break")

-- closing on return, values already computed
local function ret()
  local a <close> = closer("ret-a")
  local b <close> = closer("ret-b")
  return "value"
end
print(ret())
flush("return")

-- closing on error: __close receives the error object
local ok, err = pcall(function()
  local a <close> = closer("err-a")
  local b <close> = closer("err-b")
  error("boom", 0)
end)
print(ok, err)
flush("error")

-- error with a table value
local eobj = setmetatable({}, {__tostring = function() return "EOBJ" end})
print(pcall(function()
  local a <close> = closer("t")
  error(eobj)
end) )
flush("table error")

-- goto out of a block closes
do
  local i = 0
  ::again::
  do
    local c <close> = closer("goto" .. i)
    i = i + 1
    if i < 3 then goto again end
  end
end
flush("goto")

-- nested functions and closes
local function inner()
  local x <close> = closer("inner")
  return 1
end
local function outer()
  local y <close> = closer("outer")
  local v = inner()
  log[#log + 1] = "after-inner"
  return v
end
print(outer())
flush("nested")

-- a non-closable value is an error
print(pcall(function() local x <close> = {} end))
print(pcall(function() local x <close> = 42 end))
print(pcall(function() local x <close> = "s" end))

-- error inside __close replaces the error
print(pcall(function()
  local a <close> = setmetatable({}, {__close = function() error("in close", 0) end})
  error("original", 0)
end))
print(pcall(function()
  local a <close> = setmetatable({}, {__close = function() error("close only", 0) end})
  return "not returned"
end))

-- all closes run even if one errors
print(pcall(function()
  local a <close> = closer("first-declared")
  local b <close> = setmetatable({}, {__close = function() error("bad close", 0) end})
  local c <close> = closer("last-declared")
end))
flush("close error")

-- __close gets the value itself
local val = setmetatable({name = "me"}, {__close = function(self) print("closing", self.name) end})
do local v <close> = val end

-- tbc in a generic for with pcall
print(pcall(function()
  local c <close> = closer("pc")
  return 1, 2, 3
end))
flush("pcall multi")

-- const compile errors
print(load("local x <const> = 1; x = 2"))
print(load("local x <close> = nil; x = 2"))
print(load("local x <foo> = 1"))
print(load("local a <close>, b <close> = 1, 2"))
