-- A message handler that raises: Lua calls it again at the error point.
local n = 0
print(xpcall(function() error({}) end, function(m)
  n = n + 1
  if n < 3 then error("again" .. n) end
  return debug.traceback(tostring(m))
end))
print(xpcall(error, function() error("always") end))
print(select('#', xpcall(error, function() local t = nil; return t.x end)))
local depth = 0
print(xpcall(function() error("e") end, function(m) depth = depth + 1 if depth < 5 then error(m .. "+") end return m end))
print(pcall(xpcall, function() error("e") end, function(m) error(m) end))
-- a handler error inside a coroutine
local co = coroutine.create(function()
  return xpcall(function() error("c") end, function(m) if m == "c" then error("d", 0) end return m .. "!" end)
end)
print(coroutine.resume(co))
-- a handler error with a to-be-closed variable pending
do
  local ok, e = xpcall(function()
    local x <close> = setmetatable({}, {__close = function(_, err) print("closing", err) end})
    error("tbc")
  end, function(m) if not tostring(m):find("h2") then error(m .. " h2", 0) end return m end)
  print(ok, e)
end
