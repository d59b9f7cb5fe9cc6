-- non-tail recursion

local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(10000))
print(depth(100000))

local function sum(n) if n == 0 then return 0 end return n + sum(n - 1) end
print(sum(10000))

local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end
print(ack(2, 3), ack(3, 3))

local function hanoi(n, from, to, via, moves)
  if n == 0 then return moves end
  moves = hanoi(n - 1, from, via, to, moves)
  moves = moves + 1
  return hanoi(n - 1, via, to, from, moves)
end
print(hanoi(12, "a", "c", "b", 0))

-- recursion building a structure
local function build(d)
  if d == 0 then return {} end
  return {left = build(d - 1), right = build(d - 1)}
end
local function count(t)
  if not t.left then return 1 end
  return 1 + count(t.left) + count(t.right)
end
print(count(build(10)))

-- deep recursion through pcall
local function pdeep(n)
  if n == 0 then return "bottom" end
  local ok, v = pcall(pdeep, n - 1)
  return v
end
print(pdeep(150))

-- recursion through metamethods
local mt = {}
mt.__index = function(t, k)
  if k <= 0 then return 0 end
  return t[k - 1] + 1
end
print(setmetatable({}, mt)[150])

-- string recursion
local function rev(s) if #s <= 1 then return s end return rev(s:sub(2)) .. s:sub(1, 1) end
print(rev("recursion is fun"))

-- permutations
local function perms(a, n, out)
  n = n or #a
  out = out or {}
  if n <= 1 then out[#out + 1] = table.concat(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      perms(a, n - 1, out)
      a[n], a[i] = a[i], a[n]
    end
  end
  return out
end
local ps = perms({"a", "b", "c", "d"})
table.sort(ps)
print(#ps, table.concat(ps, " "))
