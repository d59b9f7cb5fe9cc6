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
