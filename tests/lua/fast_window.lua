-- Loops long enough to run in `fast::hot` on a copy of their registers (`fast::windowed`,
-- `fast::windowed_below`): the registers copied back at every stop (errors, calls, the end
-- of the fuel), upvalues open below the frame, light natives in the loop.

-- Integer and float loops, nested, with many live registers.
local function sums(n)
  local a, b, c, d, e = 0, 0, 0.0, 1, 0
  for i = 1, n do
    a = a + i
    b = b ~ (i * 7)
    for j = 1, 3 do c = c + j / 2 end
    d = (d * 3 + i) % 1000003
    e = e + (i // 3) - (i % 5)
  end
  local f = 0.0
  for x = 0.5, 40, 0.25 do f = f + x end
  return a, b, c, d, e, f
end
print(sums(1000))

-- While and repeat loops (backward jumps that are not `ForLoop`).
local function collatz(n)
  local steps = 0
  while n ~= 1 do
    if n % 2 == 0 then n = n // 2 else n = 3 * n + 1 end
    steps = steps + 1
  end
  local k = 0
  repeat k = k + 3 until k > 500
  return steps, k
end
print(collatz(27), collatz(97))

-- Tables read and written in a long loop; a call after the loop sees the registers.
local function fill(t, n)
  local s = 0
  for i = 1, n do
    t[i] = i * i
    s = s + t[i]
  end
  local r = {}
  for i = 1, n do r[#r + 1] = t[i] % 7 end
  return s, #r, select("#", table.unpack(r))
end
print(fill({}, 300))

-- Upvalues of the main chunk (open below the loop's frame), read and written, with light
-- natives (`sqrt`, `abs`) in the loop.
local sqrt, abs = math.sqrt, math.abs
local acc, count = 0.0, 0
local function below(n)
  for i = 1, n do
    acc = acc + sqrt(i) - abs(-i) / 3
    count = count + 1
    if i % 100 == 0 then acc = acc / 2 end
  end
  return acc, count
end
print(below(1000))
print(below(5))
print(string.format("%.6f %d", acc, count))

-- A local captured by a closure made in the loop (the loop leaves to `execute` and comes
-- back), and a closure reading the loop's locals after it.
local function captures(n)
  local fs = {}
  local total = 0
  for i = 1, n do
    total = total + i
    if i % 50 == 0 then fs[#fs + 1] = function() return i + total end end
  end
  local out = 0
  for _, f in ipairs(fs) do out = out + f() end
  return total, out
end
print(captures(400))

-- An error in the middle of a long loop: the registers and the message as without it.
local function fails(n)
  local s = 0
  for i = 1, n do
    local v = i < 200 and i or nil
    s = s + v
  end
  return s
end
print(pcall(fails, 1000))
local ok, msg = pcall(function()
  local t = {}
  for i = 1, 500 do t[i] = i end
  local k = 0
  for i = 1, 600 do k = k + t[i] end
  return k
end)
print(ok, msg)

-- A long loop in a coroutine that yields from time to time.
local co = coroutine.wrap(function(n)
  local s = 0
  for i = 1, n do
    s = s + i * 2
    if i % 250 == 0 then coroutine.yield(s) end
  end
  return s
end)
print(co(1000), co(), co(), co(), co())

-- A function with many registers (a window of 256 holds any frame).
local src = { "local s = 0" }
for i = 1, 180 do src[#src + 1] = ("local v%d = %d"):format(i, i) end
src[#src + 1] = "for i = 1, 300 do s = s + v1 + v100 + v180 + i end"
src[#src + 1] = "return s, v1, v180"
print(load(table.concat(src, "\n"))())
