-- Nested "C calls" (metamethods, iterators, __close, natives calling Lua, coroutine resumes)
-- stop at Lua's LUAI_MAXCCALLS with "C stack overflow", at the same depth as lua5.4.
-- Without the bound, `return pcall(f)` nested 10^5 deep and moved every level's results:
-- quadratic work that fuel did not see.
local function report(name, f)
  local depth = 0
  local ok, e = pcall(f, function() depth = depth + 1 end)
  print(name, depth, ok, e)
end
report("index", function(inc)
  local t = setmetatable({}, {__index = function(t, k) inc() return t[k] end})
  return t.x
end)
report("pcall", function(inc)
  local function f() inc() local ok, e = pcall(f) if not ok then error(e, 0) end end
  return f()
end)
report("pcall tail", function(inc)
  local function f() inc() return pcall(f) end
  return select('#', f())
end)
report("xpcall", function(inc)
  local function f() inc() local ok, e = xpcall(f, function(m) return m end) if not ok then error(e, 0) end end
  return f()
end)
report("sort", function(inc)
  local function f(a, b) inc() table.sort({3, 2, 1}, f) return a < b end
  return f(1, 2)
end)
report("gsub", function(inc)
  local function f() inc() return (("x"):gsub(".", f)) end
  return f()
end)
report("tostring", function(inc)
  local mt = {} mt.__tostring = function(o) inc() return tostring(setmetatable({}, mt)) end
  return tostring(setmetatable({}, mt))
end)
report("resume", function(inc)
  local function f() inc() local co = coroutine.create(f) local ok, e = coroutine.resume(co) if not ok then error(e, 0) end end
  return f()
end)
report("wrap", function(inc)
  local function f() inc() return coroutine.wrap(f)() end
  local ok, e = pcall(f)
  return ok, #e
end)
report("for iterator", function(inc)
  local function it() inc() for _ in it do end end
  return it()
end)
report("load reader", function(inc)
  local function f() inc() return load(function() f() return nil end) end
  return type(f())
end)
report("eq", function(inc)
  local mt = {} mt.__eq = function(a, b) inc() return setmetatable({}, mt) == setmetatable({}, mt) end
  return setmetatable({}, mt) == setmetatable({}, mt)
end)
report("lt", function(inc)
  local mt = {} mt.__lt = function(a, b) inc() return setmetatable({}, mt) < setmetatable({}, mt) end
  return setmetatable({}, mt) < setmetatable({}, mt)
end)
report("concat", function(inc)
  local mt = {} mt.__concat = function(a, b) inc() return setmetatable({}, mt) .. "x" end
  return setmetatable({}, mt) .. "x"
end)
report("close on return", function(inc)
  local mt = {} mt.__close = function() inc() local x <close> = setmetatable({}, mt) end
  local x <close> = setmetatable({}, mt)
end)
report("close on block exit", function(inc)
  local mt = {} mt.__close = function() inc() do local x <close> = setmetatable({}, mt) end return 1 end
  do local x <close> = setmetatable({}, mt) end
end)
report("newindex", function(inc)
  local t = setmetatable({}, {__newindex = function(t, k, v) inc() t[k] = v end})
  t.x = 1
end)
report("pcall in index", function(inc)
  local t t = setmetatable({}, {__index = function(_, k) inc() local ok, e = pcall(function() return t[k] end) if not ok then error(e, 0) end return e end})
  return t.x
end)
report("message handler", function(inc)
  local function h(m) inc() error(m) end
  return xpcall(error, h, "x")
end)
report("handler after overflow", function(inc)
  local t = setmetatable({}, {__index = function(t, k) inc() return t[k] end})
  return xpcall(function() return t.x end, function(m) return "handled: " .. m end)
end)
-- after all that, the VM is fine and the counts are back to the start
report("index again", function(inc)
  local t = setmetatable({}, {__index = function(t, k) inc() return t[k] end})
  return t.x
end)
-- natives that call Lua count even when they are metamethods themselves
report("native metamethod", function(inc)
  local t = setmetatable({}, {__index = function(t, k) inc() return t[k] end})
  local u = setmetatable({}, {__call = pcall})
  return u(function() return t.x end)
end)
