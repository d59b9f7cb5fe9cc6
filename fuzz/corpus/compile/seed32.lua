-- __close metamethod details

local function res(name, log)
  return setmetatable({}, {__close = function(o, e)
    log[#log + 1] = name .. ":" .. (e == nil and "nil" or tostring(e))
  end})
end

-- the metamethod is looked up when the variable is closed, not when declared
local log = {}
do
  local mt = {__close = function() log[#log + 1] = "first" end}
  local v <close> = setmetatable({}, mt)
  mt.__close = function() log[#log + 1] = "replaced" end
end
print(table.concat(log, " "))

-- removing __close after declaration: error when closing
log = {}
print(pcall(function()
  local mt = {__close = function() end}
  local v <close> = setmetatable({}, mt)
  mt.__close = nil
end))

-- a callable table as __close? (__close must be callable)
print(pcall(function()
  local v <close> = setmetatable({}, {__close = setmetatable({}, {__call = function() log[#log + 1] = "callable close" end})})
end), table.concat(log, " "))

-- closing in a coroutine that finishes normally
log = {}
local co = coroutine.wrap(function()
  local r <close> = res("co", log)
  coroutine.yield("yielded")
  return "finished"
end)
print(co(), table.concat(log, " "))
print(co(), table.concat(log, " "))

-- error object passed to __close of all variables; second __close error replaces it
log = {}
print(pcall(function()
  local a <close> = res("a", log)
  local b <close> = setmetatable({}, {__close = function(_, e) log[#log + 1] = "b:" .. tostring(e) error("from b", 0) end})
  local c <close> = res("c", log)
  error("orig", 0)
end))
print(table.concat(log, " "))

-- return values are preserved through __close
local function f()
  local a <close> = res("f", {})
  return 1, 2, 3
end
print(f())

-- __close can yield inside a coroutine
local co2 = coroutine.create(function()
  local r <close> = setmetatable({}, {__close = function() coroutine.yield("yield in close") end})
  return "body done"
end)
print(coroutine.resume(co2))
print(coroutine.resume(co2))
print(coroutine.status(co2))
