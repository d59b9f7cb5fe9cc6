-- sieve of Eratosthenes and friends

local function sieve(n)
  local composite = {}
  local primes = {}
  for i = 2, n do
    if not composite[i] then
      primes[#primes + 1] = i
      for j = i * i, n, i do composite[j] = true end
    end
  end
  return primes
end

local p = sieve(100)
print(#p, table.concat(p, " "))
local big = sieve(50000)
print(#big, big[#big], big[1000], big[5000])

-- sum of primes below 10000
local s = 0
for _, v in ipairs(sieve(10000)) do s = s + v end
print("sum", s)

-- twin primes below 1000
local twins = {}
local pr = sieve(1000)
for i = 2, #pr do if pr[i] - pr[i - 1] == 2 then twins[#twins + 1] = pr[i - 1] .. "/" .. pr[i] end end
print(#twins, table.concat(twins, " ", 1, 10))

-- prime factorisation
local function factor(n)
  local f = {}
  local d = 2
  while d * d <= n do
    while n % d == 0 do f[#f + 1] = d n = n // d end
    d = d + 1
  end
  if n > 1 then f[#f + 1] = n end
  return table.concat(f, "*")
end
for _, n in ipairs({2, 12, 97, 360, 1001, 65536, 999999, 600851475143}) do print(n, factor(n)) end

-- goldbach for small even numbers
local isprime = {}
for _, v in ipairs(sieve(200)) do isprime[v] = true end
for n = 4, 40, 6 do
  for a = 2, n // 2 do
    if isprime[a] and isprime[n - a] then print(n .. " = " .. a .. " + " .. (n - a)) break end
  end
end

-- gcd / lcm
local function gcd(a, b) while b ~= 0 do a, b = b, a % b end return a end
local l = 1
for i = 1, 20 do l = l * i // gcd(l, i) end
print("lcm(1..20)", l, gcd(1071, 462), gcd(0, 5))
