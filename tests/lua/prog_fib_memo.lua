-- memoization and dynamic programming

local function memoize(f)
  local cache = {}
  return function(n)
    local v = cache[n]
    if v == nil then v = f(n) cache[n] = v end
    return v
  end
end

local fib
fib = memoize(function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end)
print(fib(10), fib(50), fib(90))
-- fib(93) overflows 64-bit integers and wraps
print(fib(92), fib(93))

-- iterative with floats
local function fibf(n) local a, b = 0.0, 1.0 for i = 1, n do a, b = b, a + b end return a end
print(fibf(50), fibf(80), fibf(100))

-- longest common subsequence
local function lcs(a, b)
  local m, n = #a, #b
  local dp = {}
  for i = 0, m do dp[i] = {} for j = 0, n do dp[i][j] = 0 end end
  for i = 1, m do
    for j = 1, n do
      if a:sub(i, i) == b:sub(j, j) then dp[i][j] = dp[i - 1][j - 1] + 1
      else dp[i][j] = math.max(dp[i - 1][j], dp[i][j - 1]) end
    end
  end
  local out, i, j = {}, m, n
  while i > 0 and j > 0 do
    if a:sub(i, i) == b:sub(j, j) then table.insert(out, 1, a:sub(i, i)) i, j = i - 1, j - 1
    elseif dp[i - 1][j] >= dp[i][j - 1] then i = i - 1
    else j = j - 1 end
  end
  return dp[m][n], table.concat(out)
end
print(lcs("AGGTAB", "GXTXAYB"))
print(lcs("telelua virtual machine", "tell a virtuous machinist"))

-- coin change count
local function ways(amount, coins)
  local w = {[0] = 1}
  for i = 1, amount do w[i] = 0 end
  for _, c in ipairs(coins) do
    for a = c, amount do w[a] = w[a] + w[a - c] end
  end
  return w[amount]
end
print(ways(100, {1, 5, 10, 25, 50}), ways(1000, {1, 2, 5, 10, 20, 50, 100, 200}))

-- edit distance
local function edit(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = {[0] = i}
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end
print(edit("kitten", "sitting"), edit("", "abc"), edit("flaw", "lawn"), edit("same", "same"))

-- collatz longest chain under 10000 with memo
local clen = {[1] = 1}
local function collatz(n)
  if clen[n] then return clen[n] end
  local nx = n % 2 == 0 and n // 2 or 3 * n + 1
  local l = 1 + collatz(nx)
  clen[n] = l
  return l
end
local best, bestn = 0, 0
for i = 1, 3000 do local l = collatz(i) if l > best then best, bestn = l, i end end
print(bestn, best)
