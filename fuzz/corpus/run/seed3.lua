-- generators built on coroutines

local function gen(f, ...)
  local args = table.pack(...)
  return coroutine.wrap(function() f(table.unpack(args, 1, args.n)) end)
end

-- permutations generator
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local count = 0
local all = {}
for p in gen(permgen, {1, 2, 3}) do
  count = count + 1
  all[#all + 1] = table.concat(p)
end
print(count, table.concat(all, " "))

-- fibonacci generator
local fibs = gen(function()
  local a, b = 0, 1
  while true do coroutine.yield(a) a, b = b, a + b end
end)
local out = {}
for i = 1, 20 do out[i] = fibs() end
print(table.concat(out, " "))

-- primes with a sieve-of-generators
local function filter(p, src)
  return coroutine.wrap(function()
    for n in src do if n % p ~= 0 then coroutine.yield(n) end end
  end)
end
local function naturals(from)
  return coroutine.wrap(function() local n = from while true do coroutine.yield(n) n = n + 1 end end)
end
local src = naturals(2)
local primes = {}
for i = 1, 25 do
  local p = src()
  primes[i] = p
  src = filter(p, src)
end
print(table.concat(primes, " "))

-- tree walk generator
local tree = {v = 4, l = {v = 2, l = {v = 1}, r = {v = 3}}, r = {v = 6, l = {v = 5}, r = {v = 7}}}
local function walk(t)
  if t then walk(t.l) coroutine.yield(t.v) walk(t.r) end
end
local vals = {}
for v in gen(walk, tree) do vals[#vals + 1] = v end
print(table.concat(vals, " "))

-- zip two generators
local function zip(g1, g2)
  return coroutine.wrap(function()
    while true do
      local a, b = g1(), g2()
      if a == nil or b == nil then return end
      coroutine.yield(a, b)
    end
  end)
end
local letters = gen(function() for c in ("abcde"):gmatch(".") do coroutine.yield(c) end end)
local numbers = gen(function() for i = 1, 3 do coroutine.yield(i) end end)
for a, b in zip(letters, numbers) do io.write(a, b, " ") end
print()

-- generator with string.gmatch inside
local words = gen(function(s) for w in s:gmatch("%a+") do coroutine.yield(w:upper()) end end, "the quick brown fox")
for w in words do io.write(w, ".") end
print()
