-- arbitrary precision non-negative integers in base 10^7

local BASE, WIDTH = 10000000, 7
local Big = {}
Big.__index = Big
local function norm(d) while #d > 1 and d[#d] == 0 do d[#d] = nil end return setmetatable(d, Big) end
function Big.from(n)
  if type(n) == "string" then
    local d = {}
    for i = #n, 1, -WIDTH do d[#d + 1] = tonumber(n:sub(math.max(1, i - WIDTH + 1), i)) end
    return norm(d)
  end
  local d = {}
  repeat d[#d + 1] = n % BASE n = n // BASE until n == 0
  return norm(d)
end
local function lift(x) return getmetatable(x) == Big and x or Big.from(x) end
function Big.__add(a, b)
  a, b = lift(a), lift(b)
  local r, carry = {}, 0
  for i = 1, math.max(#a, #b) do
    local s = (a[i] or 0) + (b[i] or 0) + carry
    r[i] = s % BASE
    carry = s // BASE
  end
  if carry > 0 then r[#r + 1] = carry end
  return norm(r)
end
function Big.__mul(a, b)
  a, b = lift(a), lift(b)
  local r = {}
  for i = 1, #a + #b do r[i] = 0 end
  for i = 1, #a do
    local carry = 0
    for j = 1, #b do
      local cur = r[i + j - 1] + a[i] * b[j] + carry
      r[i + j - 1] = cur % BASE
      carry = cur // BASE
    end
    local k = i + #b
    while carry > 0 do
      local cur = r[k] + carry
      r[k] = cur % BASE
      carry = cur // BASE
      k = k + 1
    end
  end
  return norm(r)
end
function Big.__eq(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end
function Big.__lt(a, b)
  if #a ~= #b then return #a < #b end
  for i = #a, 1, -1 do if a[i] ~= b[i] then return a[i] < b[i] end end
  return false
end
function Big.__tostring(a)
  local parts = {tostring(a[#a])}
  for i = #a - 1, 1, -1 do parts[#parts + 1] = string.format("%07d", a[i]) end
  return table.concat(parts)
end
Big.__concat = function(a, b) return tostring(a) .. tostring(b) end

local function factorial(n) local r = Big.from(1) for i = 2, n do r = r * i end return r end
print(factorial(20), factorial(25))
local f100 = tostring(factorial(100))
print(#f100, f100:sub(1, 30), f100:sub(-30))
local digitsum = 0
for d in f100:gmatch("%d") do digitsum = digitsum + tonumber(d) end
print("digit sum of 100!", digitsum)

local function pow(b, e) local r = Big.from(1) for i = 1, e do r = r * b end return r end
local p = pow(2, 200)
print(p)
print("2^64 = " .. pow(2, 64), Big.from("18446744073709551616") == pow(2, 64))
print(Big.from("99999999999999999999") + 1, Big.from(0) + 0, Big.from(0) * Big.from("123456789012345"))
print(pow(3, 40) < pow(2, 64), pow(2, 64) < pow(3, 40), pow(7, 30) == pow(7, 30))

-- fibonacci 300
local a, b = Big.from(0), Big.from(1)
for i = 1, 300 do a, b = b, a + b end
print("fib(300) = " .. a)
