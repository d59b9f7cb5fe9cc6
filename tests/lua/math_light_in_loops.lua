-- math.sqrt and math.abs called in loops whose function reads them as upvalues open below
-- its frame (the interpreter's small loop runs such calls in place): results, argument
-- conversions and errors as lua5.4's, and the registers above the call cleared. (Each
-- loop body starts and goes on with a few arithmetic instructions, so that the small loop
-- runs it.)
local sqrt, abs = math.sqrt, math.abs
local fmt = string.format

local function sums(n)
  local s, a, m = 0.0, 0, 0.0
  for i = 1, n do
    local w = i * 2 + 1 - i * 2 - 1 + 0.0
    local r = sqrt(i)          -- integer argument: float result
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
    s = s + r
    a = a + abs(i - 50)        -- integer result
    m = m + abs(-r * 0.5)      -- float result
  end
  return s, a, m
end
print(fmt("%.10f %d %.10f", sums(100)))

local function specials()
  local out = {}
  local args = {4, -4, 0, -0.0, 2.25, 1e308, -1e308, 1 / 0, -1 / 0, math.mininteger,
    math.maxinteger, 0 / 0}
  for i = 1, #args do
    local x = args[i]
    local w = i * 2 + 1 - i * 2 - 1
    local r = sqrt(x)
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
    local q = abs(x)
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
    out[#out + 1] = tostring(r) .. "/" .. tostring(q) .. "/" .. math.type(q)
  end
  return table.concat(out, " ")
end
print((specials():gsub("%-?nan", "nan")))

-- strings are converted by the native itself (the general call)
local function strings()
  local t = {}
  for i = 1, 3 do
    t[i] = sqrt(tostring(i * i)) + abs("-" .. i)
  end
  return t[1], t[2], t[3]
end
print(strings())

-- wrong arguments: the native's errors
local function bad(v)
  local r
  for i = 1, 2 do
    local w = i * 2 + 1 - i * 2 - 1
    r = sqrt(v)
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
  end
  return r
end
print(pcall(bad, nil))
print(pcall(bad, {}))
print(pcall(function() for _ = 1, 2 do local _ = abs() end end))

-- more arguments or results than one: the general call
local function multi()
  local a, b = 0, 0
  for i = 1, 3 do
    a = a + abs(-i, "ignored")
    local x, y = sqrt(i * i)
    b = b + x + (y == nil and 1 or 0)
  end
  return a, b
end
print(multi())

-- replaced by the script: no longer the library's natives
local saved = sqrt
sqrt = function(x) return x * 2 end
local function replaced()
  local s = 0
  for i = 1, 4 do
    local w = i * 2 + 1 - i * 2 - 1
    s = s + sqrt(i)
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
  end
  return s
end
print(replaced())
sqrt = saved

-- the slots above the call are nil after it (as after any call)
local function above()
  local n = 0
  for i = 1, 5 do
    local w = i * 2 + 1 - i * 2 - 1
    local r = sqrt(i * i)
    local u, v
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
    n = n + r + (u == nil and 1 or 0) + (v == nil and 1 or 0)
  end
  return n
end
print(above())

-- a coroutine's loop, yielding between the calls
local co = coroutine.wrap(function()
  local s = 0
  for i = 1, 6 do
    local w = i * 2 + 1 - i * 2 - 1
    s = s + sqrt(i * i)
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
    s = s + abs(-i)
    w = w + 1 - 1 + 2 - 2 + 3 - 3 + w * 0
    if i % 2 == 0 then coroutine.yield(s) end
  end
  return s
end)
print(co(), co(), co())
