-- `fast::hot` (the interpreter's small loop with calls) reports a stop in another frame by the
-- top frame's closure and base: a function that returns and is called again from the same
-- register (the same closure at the same base: a new frame, the same to `execute`) and then
-- stops `hot` (a concatenation, an error, a multiple return) must go on exactly as Lua does.

-- A light start (arithmetic) followed by work `hot` leaves to `execute` (a concatenation).
local function f(n)
  local y = n + 1
  local z = y * 2
  local s = "v" .. z
  return s
end

for i = 1, 5 do
  local r = f(i)
  print(i, r)
end

-- Calls from a loop that `hot` runs through (the callee returns there and is called again
-- from the same register), until a later call stops in the callee: `execute` goes on there.
local function f2(n)
  local y = n + 1
  if y > 4 then
    y = "v" .. y
  end
  return y
end
local s = 0
for i = 1, 6 do
  s = f2(i)
end
print(s)

local function f3(n)
  local y = n * 2
  if y > 6 then
    error("too big: " .. y)
  end
  return y
end
local last = 0
print(pcall(function()
  for i = 1, 6 do
    last = f3(i)
  end
end))
print(last)

-- The same with the results wanted differently at each call from the same register:
-- a statement call (no result), one result, all results.
local log = {}
local function g(n)
  local a = n + 1
  log[#log + 1] = "g" .. a
  return a, a * 10
end

for i = 1, 3 do
  g(i)
  local x = g(i + 10)
  print(i, x, select("#", g(i + 20)))
end
print(table.concat(log, " "))

-- A return to a caller that calls the same function again at once, the second call failing
-- (the traceback and the error's position must name the right frame).
local function h(n)
  local m = n - 1
  if m < 0 then error("negative " .. n) end
  return m
end

local function drive(k)
  local acc = 0
  for i = k, -1, -1 do
    acc = acc + h(i)
  end
  return acc
end

print(pcall(drive, 3))

-- Recursion that ends by returning into a frame of the same closure at the same base as the
-- one `hot` was entered in, then stops on a table access `hot` leaves to `execute`.
local t = setmetatable({}, { __index = function(_, k) return k .. "!" end })
local function r(n)
  local m = n - 1
  if m > 0 then r(m) end
  local v = t[m]
  return v
end
for i = 1, 3 do print(r(i)) end
