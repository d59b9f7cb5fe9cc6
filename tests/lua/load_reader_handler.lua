-- An error in a `load` reader goes through the message handler in effect where `load` was
-- called (Lua's protected parser keeps the caller's `errfunc`), then `load` returns it.
print(xpcall(load, function(m) return "H:" .. tostring(m) end, function() error("x") end))
-- A traceback made by the handler shows the reader, `load` and `xpcall`.
print(xpcall(load, debug.traceback, function() error("t") end))
-- A `pcall` nearer than the `xpcall` sets no handler.
print(xpcall(function() return pcall(load, function() error("y") end) end, debug.traceback))
print(xpcall(function() return load(function() error("z", 0) end) end,
             function(m) return "H2:" .. m end))
-- Nested loads keep it too.
print(xpcall(function()
  return load(function()
    local f, e = load(function() error("inner", 0) end)
    error("outer:" .. tostring(e), 0)
  end)
end, function(m) return "H4<" .. m .. ">" end))
-- A coroutine starts with no handler.
local co = coroutine.wrap(function() return load(function() error("w") end) end)
print(xpcall(co, function(m) return "H3:" .. m end))
-- A handler that fails itself.
print(xpcall(load, function(m) error("again") end, function() error("v") end))
-- Without any handler the message is the error itself.
print(load(function() error({}) end) == nil)
print(pcall(load, function() error("plain") end))
-- Readers that work are not affected.
local parts = {"return ", "1 + ", "2"}
local i = 0
local ok, f = xpcall(load, debug.traceback, function() i = i + 1 return parts[i] end)
print(ok, f())
-- load's own error, when the reader returns something that is not a string, goes through
-- the handler too (it is raised inside lua_load's protected parser).
print(xpcall(load, function(m) return "H5:" .. tostring(m) end, function() return {} end))
print(xpcall(load, debug.traceback, function() return {} end))
print(pcall(load, function() return {} end))
print(xpcall(function() return load(function() return {} end) end,
             function(m) return "H6:" .. m end))
print(coroutine.wrap(function() return load(function() return true end) end)())
print(xpcall(load, function(m) error("again") end, function() return {} end))
-- after some pieces
local k = 0
print(xpcall(load, function(m) return "H7:" .. m end,
             function() k = k + 1 if k < 3 then return "x" end return print end))
-- the handler may keep a traceback of a deeper call
local function deep(n)
  if n == 0 then return load(function() return 1 < 2 end) end
  local a, b = deep(n - 1)
  return a, b
end
print(xpcall(deep, function(m) return (debug.traceback(m, 1):gsub("\n[^\n]*%[C%]: in %?", "")) end, 3))
