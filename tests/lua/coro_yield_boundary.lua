-- The lua command's natives are C-call boundaries for yields (telelua's standalone
-- profile behaves the same; the library's sandbox default lets yields through).
local function try(name, f)
  local co = coroutine.wrap(function() return "returned", f() end)
  print(name, pcall(co))
end
local y = coroutine.yield
try("sort", function() table.sort({3, 1, 2}, function(a, b) y("cmp") return a < b end) end)
try("sort isyieldable", function()
  local seen
  table.sort({2, 1}, function(a, b) seen = coroutine.isyieldable() return a < b end)
  return seen, coroutine.isyieldable()
end)
try("gsub", function() return ("abc"):gsub(".", function(c) return y(c) end) end)
try("tostring", function() return tostring(setmetatable({}, {__tostring = function() return y("ts") end})) end)
try("print", function() print(setmetatable({}, {__tostring = function() return y("pr") end})) end)
try("concat __index", function()
  return table.concat(setmetatable({n = 2}, {__index = function(_, k) return y(k) end, __len = function() return 2 end}))
end)
try("xpcall handler", function() return xpcall(error, function(m) return y(m) end, "boom") end)
try("load reader", function() return load(function() return y("reader") end) end)
try("pcall inside sort", function()
  table.sort({2, 1}, function(a, b) local ok, e = pcall(y, "p") ; print("  inner pcall:", ok, e) return a < b end)
  return "sorted"
end)
-- a coroutine started inside a comparator yields to its own resumer
try("coroutine inside sort", function()
  local got = {}
  table.sort({2, 1}, function(a, b)
    local inner = coroutine.wrap(function() y("inner") return "done" end)
    got[#got + 1] = inner() .. "/" .. inner()
    return a < b
  end)
  return table.concat(got, " ")
end)

-- what still yields: pcall, xpcall's body, metamethods and iterators called by Lua code,
-- pairs' __pairs, __close
local function run(name, f)
  local co = coroutine.create(f)
  local out = {}
  local ok, v = coroutine.resume(co)
  while coroutine.status(co) ~= "dead" do
    out[#out + 1] = tostring(v)
    ok, v = coroutine.resume(co, "r" .. #out)
  end
  out[#out + 1] = tostring(ok) .. ":" .. tostring(v)
  print(name, table.concat(out, " "))
end
run("pcall", function() return select(2, pcall(y, "in pcall")) end)
run("xpcall", function() return select(2, xpcall(y, print, "in xpcall")) end)
run("__index", function() return setmetatable({}, {__index = function(_, k) return y(k) end}).key end)
run("__lt", function() return setmetatable({}, {__lt = function() return y("lt") end}) < {} end)
run("__pairs", function()
  for k in pairs(setmetatable({}, {__pairs = function(t) y("pairs") return next, {1}, nil end})) do return k end
end)
run("iterator", function() for v in function() return y("iter") end do return v end end)
run("__close", function()
  do local c <close> = setmetatable({}, {__close = function() y("close") end}) end
  return "closed"
end)
run("isyieldable", function() return coroutine.isyieldable() end)
print(coroutine.isyieldable())
