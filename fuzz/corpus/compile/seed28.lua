-- while and repeat loops, break

local i = 0
while i < 5 do i = i + 1 io.write(i, " ") end
print()

while false do print("never") end

local n = 0
repeat n = n + 1 until n >= 3
print("repeat", n)

-- repeat runs at least once
local runs = 0
repeat runs = runs + 1 until true
print("runs", runs)

-- until sees the block's locals
local k = 0
repeat
  local done = k >= 4
  k = k + 1
until done
print("k", k)

-- break out of while true
local c = 0
while true do
  c = c + 1
  if c == 10 then break end
end
print("c", c)

-- break inside repeat
local r = 0
repeat
  r = r + 1
  if r == 7 then break end
until false
print("r", r)

-- nested loops: break exits only the innermost
local pairs_found = {}
local a = 0
while a < 3 do
  a = a + 1
  local b = 0
  while true do
    b = b + 1
    if b > a then break end
    pairs_found[#pairs_found + 1] = a .. b
  end
end
print(table.concat(pairs_found, " "))

-- closure captured in repeat body, used in until
local fns = {}
local x = 0
repeat
  local y = x
  fns[#fns + 1] = function() return y end
  x = x + 1
until y >= 2
print(fns[1](), fns[2](), fns[3]())

-- while with complex condition
local t = {3, 1, 4, 1, 5, 9, 2, 6}
local idx = 1
while t[idx] and t[idx] ~= 9 do idx = idx + 1 end
print("found 9 at", idx)

-- collatz
local function collatz(m)
  local steps = 0
  while m ~= 1 do
    if m % 2 == 0 then m = m // 2 else m = 3 * m + 1 end
    steps = steps + 1
  end
  return steps
end
print(collatz(27), collatz(1), collatz(97))
