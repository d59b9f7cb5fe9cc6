-- debug.sethook/gethook: call, return, tail call, line and count events, getinfo inside hooks,
-- errors inside hooks, transfer information and per-coroutine hooks.
local evs = {}
local function hook(e, l)
  local info = debug.getinfo(2, "nSl")
  evs[#evs+1] = e .. " " .. tostring(l) .. " " .. tostring(info.name) .. " " .. info.what .. " " .. info.currentline
end
local function add(a, b)
  local c = a + b
  return c
end
local function tail(x) return add(x, 1) end
debug.sethook(hook, "crl")
local r = add(1, 2)
r = tail(r)
print(#"abc", math.max(1, 2))
debug.sethook()
for _, e in ipairs(evs) do print(e) end
print(select("#", debug.gethook()), (select(2, debug.gethook())), (select(3, debug.gethook())))
debug.sethook(hook, "l", 3)
print(select("#", debug.gethook()), (select(2, debug.gethook())), (select(3, debug.gethook())))
debug.sethook()
-- count hook
local n = 0
debug.sethook(function(e) n = n + 1 end, "", 10)
for i = 1, 1000 do local x = i * 2 end
debug.sethook()
print("count", n)
-- line hook in loop
local lines = {}
debug.sethook(function(e, l) lines[#lines+1] = l end, "l")
for i = 1, 3 do
  local y = i
end
debug.sethook()
print(table.concat(lines, " "))
-- getinfo(2, "l") inside line hook
local got = {}
debug.sethook(function(e, l) local i = debug.getinfo(2, "l"); got[#got+1] = (i.currentline == l) end, "l")
local a = 1
local b = 2
debug.sethook()
for _, v in ipairs(got) do io.write(tostring(v), " ") end print()
-- traceback inside hook
debug.sethook(function(e, l) if l == 49 then print(debug.traceback("inhook")) end end, "l")
local z = 3
debug.sethook()
-- error inside hook
local fired = false
print(pcall(function()
  debug.sethook(function(e, l) if not fired then fired = true; error("hookerr") end end, "l")
  local q = 1
end))
debug.sethook()
print(select("#", debug.gethook()), (select(2, debug.gethook())), (select(3, debug.gethook())))
-- return hook transfer
debug.sethook(function(e)
  local i = debug.getinfo(2, "nr")
  if i.name == "add" then
    print(e, i.ftransfer, i.ntransfer, debug.getlocal(2, i.ftransfer))
  end
end, "cr")
add(10, 20)
debug.sethook()
-- hooks in coroutines are per thread
local co = coroutine.create(function() local x = 1; coroutine.yield(); local y = 2 end)
local clines = {}
debug.sethook(co, function(e, l) clines[#clines+1] = e .. ":" .. tostring(l) end, "lcr")
coroutine.resume(co)
coroutine.resume(co)
print(table.concat(clines, " "))
print((select(2, debug.gethook(co))))
print(select("#", debug.gethook()), (select(2, debug.gethook())), (select(3, debug.gethook())))
-- count hooks count the hook's own instructions too, like lua5.4
local a = 0
debug.sethook(function (e) a = a + 1 end, "", 1)
a = 0; for i = 1, 100 do end
local a1 = a
debug.sethook(function (e) a = a + 1 end, "", 4)
a = 0; for i = 1, 1000 do end
local a4 = a
debug.sethook()
print("counts", a1, a4)
-- events of natives and tail calls
local evs2 = {}
local function g(x) return x end
local function tc(x) return g(x) end
debug.sethook(function(e) local i = debug.getinfo(2, "nt"); evs2[#evs2+1] = e .. "/" .. tostring(i.name) .. "/" .. tostring(i.istailcall) end, "cr")
tc(select(1, 5))
debug.sethook()
print(table.concat(evs2, " "))
-- hooks do not run inside hooks, and sethook inside a hook works
local inner = 0
debug.sethook(function(e, l)
  inner = inner + 1
  local function helper() return 1 end
  helper()
  if inner == 2 then debug.sethook() end
end, "l")
local p = 1
local q = 2
local r = 3
print("inner", inner, debug.gethook())
-- line events across calls, loops and returns
local function body(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end
local seen = {}
debug.sethook(function(e, l) seen[#seen+1] = l end, "l")
body(2)
debug.sethook()
print(table.concat(seen, ","))
-- locals of the hooked function are visible from the hook
local lv = {}
local function locals_test(arg)
  local first = 10
  local second = 20
end
debug.sethook(function(e, l)
  if debug.getinfo(2, "S").linedefined == 0 then return end
  for i = 1, 3 do
    local name, val = debug.getlocal(2, i)
    if name and name:sub(1, 1) ~= "(" then lv[#lv+1] = l .. ":" .. name .. "=" .. tostring(val) end
  end
end, "l")
locals_test("x")
debug.sethook()
print(table.concat(lv, " "))
-- multiple results survive a line hook
local function three() return 1, 2, 3 end
debug.sethook(function() end, "l")
print(three())
print(select("#", three()), (three()))
local packed = {three(), three()}
debug.sethook()
print(#packed)
