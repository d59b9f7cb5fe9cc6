-- hooks together with coroutines, errors, metamethods and natives
local log = {}
local function add(s) log[#log + 1] = s end
-- a hook that errors is caught by an outer pcall; hooks run again afterwards
local n = 0
local ok, err = pcall(function()
  debug.sethook(function(e, l)
    n = n + 1
    if n == 2 then error("stop at " .. l) end
  end, "l")
  local a = 1
  local b = 2
  return a + b
end)
debug.sethook()
add(tostring(ok) .. " " .. tostring(err))
-- pcall inside a hook catches the hook's own errors
debug.sethook(function(e, l)
  local ok2 = pcall(error, "inner")
  add("hook pcall " .. tostring(ok2) .. " " .. l)
end, "l")
local c = 3
debug.sethook()
-- a coroutine with its own hook, resumed from a hooked main thread
local co = coroutine.create(function(x)
  local y = x + 1
  coroutine.yield(y)
  return y * 2
end)
debug.sethook(co, function(e, l) add("co " .. e .. " " .. tostring(l)) end, "lr")
debug.sethook(function(e, l) add("main " .. e .. " " .. tostring(l)) end, "l")
local r1 = select(2, coroutine.resume(co, 1))
local r2 = select(2, coroutine.resume(co))
debug.sethook()
add("results " .. r1 .. " " .. r2)
-- a hook inside a metamethod and a native callback
local mt = {__index = function(t, k) return k .. "!" end}
local prox = setmetatable({}, mt)
debug.sethook(function(e) local i = debug.getinfo(2, "n"); add(e .. " " .. tostring(i.name) .. " " .. tostring(i.namewhat)) end, "cr")
local v = prox.key
local s = string.gsub("ab", "%w", function(ch) return ch:upper() end)
table.sort({3, 1, 2}, function(a, b) return a < b end)
debug.sethook()
add(v .. " " .. s)
-- count hook over a loop with calls
local counts = 0
local function id(x) return x end
debug.sethook(function() counts = counts + 1 end, "", 3)
for i = 1, 30 do id(i) end
debug.sethook()
add("counts " .. counts)
-- return hook sees the returned values through getlocal
debug.sethook(function(e)
  local i = debug.getinfo(2, "nr")
  if i.name == "pair" then
    local vals = {}
    for k = i.ftransfer, i.ftransfer + i.ntransfer - 1 do
      vals[#vals + 1] = tostring(select(2, debug.getlocal(2, k)))
    end
    add("pair returns " .. table.concat(vals, ","))
  end
end, "r")
local function pair(...) return ..., "end" end
pair(10, 20)
debug.sethook()
for _, l in ipairs(log) do print(l) end
-- return hooks on tail calls to natives and Lua functions
local rets = {}
local function up(ch) return ch:upper() end
local function viaLua(x) return up(x) end
debug.sethook(function(e) local i = debug.getinfo(2, "nt"); rets[#rets + 1] = e .. ":" .. tostring(i.name) .. ":" .. tostring(i.istailcall) end, "cr")
local r = viaLua("q") .. select(1, string.gsub("xy", "%w", up))
debug.sethook()
print(r, table.concat(rets, " "))
