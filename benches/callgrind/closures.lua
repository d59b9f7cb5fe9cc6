-- Closures and upvalues: counters, closure creation in a loop, higher-order functions.
local function counter()
  local n = 0
  return function(k) n = n + k; return n end
end
local function compose(f, g) return function(x) return f(g(x)) end end
local function map(t, f)
  local r = {}
  for i = 1, #t do r[i] = f(t[i]) end
  return r
end

local total = 0
local c = counter()
for i = 1, 300000 do total = total + c(i & 3) end

local inc = function(x) return x + 1 end
local dbl = function(x) return x * 2 end
local h = compose(inc, dbl)
local arr = {}
for i = 1, 100 do arr[i] = i end
for round = 1, 600 do
  local base = round
  local m = map(arr, function(x) return h(x) + base end)
  total = total + m[#m]
end
return total
