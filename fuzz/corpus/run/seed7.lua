-- yielding across pcall, metamethods, iterators and __close
-- (PUC-Rio cannot yield across table.sort comparators, gsub callbacks, __tostring or inside
-- an xpcall message handler; telelua can, by design. Those cases are not compared here.)

local function run(name, f, ...)
  local co = coroutine.create(f)
  local out = {}
  local res = table.pack(coroutine.resume(co, ...))
  while true do
    out[#out + 1] = table.concat((function(p) local t = {} for i = 1, p.n do t[i] = tostring(p[i]) end return t end)(res), ",")
    if coroutine.status(co) == "dead" then break end
    res = table.pack(coroutine.resume(co, "r" .. #out))
  end
  print(name, table.concat(out, " | "))
end

-- across pcall
run("pcall", function()
  local ok, v = pcall(function()
    local x = coroutine.yield("in pcall")
    return x .. "!"
  end)
  return ok, v
end)
-- across pcall with an error after the yield
run("pcall-error", function()
  return pcall(function()
    coroutine.yield("before error")
    error("after resume", 0)
  end)
end)
-- across xpcall with handler
run("xpcall", function()
  return xpcall(function()
    coroutine.yield("in xpcall")
    error("boom", 0)
  end, function(m) return "handled " .. m end)
end)
-- across __index function
run("__index", function()
  local t = setmetatable({}, {__index = function(_, k) return coroutine.yield("index " .. k) end})
  return t.foo
end)
-- across __newindex
run("__newindex", function()
  local store = {}
  local t = setmetatable({}, {__newindex = function(_, k, v) store[k] = coroutine.yield("set " .. k) .. v end})
  t.a = "V"
  return store.a
end)
-- across arithmetic and comparison metamethods
run("__add/__lt", function()
  local mt = {}
  mt.__add = function(a, b) return coroutine.yield("add") end
  mt.__lt = function(a, b) return coroutine.yield("lt") == "r2" end
  mt.__le = function(a, b) return coroutine.yield("le") end
  mt.__eq = function(a, b) return coroutine.yield("eq") end
  local x, y = setmetatable({}, mt), setmetatable({}, mt)
  local s = x + y
  local l = x < y
  local le = x <= y
  local eq = x == y
  return s, l, le, eq
end)
-- across __concat, __len, __unm, __call
run("__concat/__len/__call", function()
  local mt = {
    __concat = function() return coroutine.yield("concat") end,
    __len = function() return coroutine.yield("len") end,
    __unm = function() return coroutine.yield("unm") end,
    __call = function(self, a) return coroutine.yield("call " .. a) end,
  }
  local o = setmetatable({}, mt)
  return o .. "x", #o, -o, o("arg")
end)
-- across a generic for iterator
run("iterator", function()
  local acc = {}
  for v in function(_, last)
    last = last + 1
    if last <= 3 then coroutine.yield("iter " .. last) return last end
  end, nil, 0 do
    acc[#acc + 1] = v
  end
  return table.concat(acc, "+")
end)
-- across __close
run("__close", function()
  do
    local c <close> = setmetatable({}, {__close = function() coroutine.yield("closing") end})
  end
  return "after close"
end)
-- nested pcall levels
run("nested pcall", function()
  return pcall(pcall, function() return coroutine.yield("deep") end)
end)
