-- code generation corner cases: conditions, jumps, register reuse

local a, b, c = 1, nil, false
local t = {}
t.x = a and b or c
t.y = b or a and "yes"
t.z = not (a == b)
print(t.x, t.y, t.z)
print(a and b, a or b, b and a, b or c, c or b, c and b)
print((a and 2 or 3) + 1, (b and 2 or 3) + 1)
-- constants on the left of comparisons
local x = 5
print(1 < x, 10 < x, 5 <= x, 5 == x, "5" == x, 5.0 == x, nil == x)
if nil then print("never") end
if false then print("never") elseif 0 then print("0 is true") end
while nil do print("never") end
repeat local once = true until once
-- conditions with side effects
local calls = 0
local function tick(v) calls = calls + 1 return v end
if tick(false) or tick(nil) or tick(0) then print("third was true", calls) end
calls = 0
if tick(1) and tick(false) and tick(2) then print("never") else print("stopped at second", calls) end
-- boolean results stored in variables
local eq, ne, lt = x == 5, x ~= 5, x < 5
print(eq, ne, lt, not eq, not not ne)
-- comparisons as table values and arguments
local tt = {x > 1, x < 1, [x == 5] = "key true"}
print(tt[1], tt[2], tt[true], select('#', x == 1, x == 2))
-- nested function calls as arguments and in conditions
local function id(...) return ... end
print(id(id(1), id(2, 3)), id(id(4, 5)))
if id(nil, true) then print("never") else print("first result only") end
-- the same local used on both sides
local n = 10
n = n + n * n - n // 3
print(n)
local s = "ab"
s = s .. s .. s
print(s)
-- swaps through tables and upvalues
local arr = {1, 2, 3}
local function swapper() arr[1], arr[3] = arr[3], arr[1] end
swapper()
print(arr[1], arr[2], arr[3])
-- assignment to a local captured by a closure inside the same statement
local cap = 1
local getcap = function() return cap end
cap, arr[2] = cap + 10, getcap()
print(cap, arr[2], getcap())
-- long and/or chains
local function classify(v)
  return v == nil and "nil" or v == false and "false" or type(v) == "number" and (v > 0 and "pos" or v < 0 and "neg" or "zero") or "other"
end
print(classify(nil), classify(false), classify(3), classify(-3), classify(0), classify("s"))
-- not of comparisons and jumps
for i = 1, 3 do
  if not (i == 2) then io.write(i, " ") end
end
print()
-- empty statements and blocks
;;; do end do ; end
local function empty() end
print(empty(), select('#', empty()))
-- numeric for with expressions that reuse the loop registers
local total = 0
for i = x - 4, x * 2, x // 2 do total = total + i end
print(total)
-- method call on a constant string and a table field string
local obj = {name = "field"}
print(("lit"):upper(), obj.name:upper(), obj["name"]:len())
-- multiple returns through and/or are truncated
local function two() return 1, 2 end
print(two() and two(), (two() or 0))
