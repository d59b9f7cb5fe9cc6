-- closures and upvalues

-- each iteration of a loop has a fresh variable
local fns = {}
for i = 1, 3 do fns[i] = function() return i end end
print(fns[1](), fns[2](), fns[3]())

fns = {}
for _, v in ipairs({"a", "b", "c"}) do fns[#fns + 1] = function() return v end end
print(fns[1](), fns[2](), fns[3]())

fns = {}
local j = 1
while j <= 3 do
  local k = j
  fns[j] = function() k = k + 100 return k end
  j = j + 1
end
print(fns[1](), fns[1](), fns[2](), fns[3]())

-- counter factory: independent state
local function counter(start)
  local n = start
  return function() n = n + 1 return n end
end
local c1, c2 = counter(0), counter(10)
print(c1(), c1(), c2(), c1(), c2())

-- shared upvalue between closures
local function pair()
  local value = 0
  local function get() return value end
  local function set(v) value = v end
  return get, set
end
local get, set = pair()
print(get())
set(42)
print(get())
local get2, set2 = pair()
set2(7)
print(get(), get2())

-- upvalue of upvalue (nested three levels)
local function outer()
  local x = 1
  return function()
    local y = 10
    return function()
      x = x + 1
      y = y + 1
      return x + y
    end
  end
end
local mid = outer()
local inner1 = mid()
local inner2 = mid()
print(inner1(), inner1(), inner2(), inner1())

-- closure sees later assignments to the captured local
local late = 1
local function see() return late end
late = 2
print(see())

-- closed-over variable after the enclosing function returned, modified by two closures
local function make()
  local log = {}
  local function add(s) log[#log + 1] = s end
  local function dump() return table.concat(log, ",") end
  return add, dump
end
local add, dump = make()
add("a") add("b") add("c")
print(dump())

-- recursive local function through upvalue
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))

-- closures capturing loop variable and a block local
local acc = {}
for i = 1, 3 do
  local sq = i * i
  acc[i] = function(d) sq = sq + d return i, sq end
end
print(acc[1](1))
print(acc[1](1))
print(acc[3](0))

-- functions as values
local ops = {
  add = function(a, b) return a + b end,
  mul = function(a, b) return a * b end,
}
local names = {}
for name in pairs(ops) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do print(name, ops[name](6, 7)) end

-- compose and curry
local function compose(f, g) return function(...) return f(g(...)) end end
local function curry(f, a) return function(...) return f(a, ...) end end
local inc = curry(ops.add, 1)
local dbl = curry(ops.mul, 2)
print(compose(inc, dbl)(5), compose(dbl, inc)(5))

-- upvalues survive in a closure stored in a table after many calls
local function memo(f)
  local cache = {}
  local calls = 0
  return function(n)
    if cache[n] == nil then calls = calls + 1 cache[n] = f(n) end
    return cache[n], calls
  end
end
local sq = memo(function(n) return n * n end)
print(sq(3), sq(3), sq(4), sq(3))
