-- scoping rules

local x = 1
do
  local x = 2
  do
    local x = 3
    print("innermost", x)
  end
  print("middle", x)
end
print("outer", x)

-- loop variables are local to the loop
for x = 10, 10 do print("loop x", x) end
print("after loop", x)

-- a local is visible only after its declaration statement
local y = "global-ish"
local function g() return y end
local y = "shadow"
print(g(), y)

-- local function can call itself, plain local cannot see itself
local function rec(n) return n == 0 and "done" or rec(n - 1) end
print(rec(3))
local notrec = function(n) return type(notrec) end
print(notrec(1))

-- globals
gvar = "global"
local function readg() return gvar end
print(readg())
local gvar = "local shadows"
print(readg(), gvar)

-- _ENV manipulation
do
  local _ENV = {print = print, tostring = tostring}
  z = 5
  print("z in custom env", z)
end
print("z in _G", z)

local function with_env()
  local _ENV = setmetatable({}, {__index = _G})
  newglobal = "only here"
  return newglobal, _G.newglobal
end
print(with_env())

-- function parameters shadow upvalues
local p = "outer p"
local function param(p) return p end
print(param("arg p"), p)

-- many locals in a function
local function many()
  local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
  local b1, b2, b3, b4, b5, b6, b7, b8, b9, b10 = 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
  return a1 + a10 + b1 + b10
end
print(many())

-- repeat-until scope
local cnt = 0
repeat local stop = cnt >= 2 cnt = cnt + 1 until stop
print("cnt", cnt)
