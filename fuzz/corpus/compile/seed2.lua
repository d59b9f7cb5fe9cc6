-- local and global assignment, multiple assignment and its evaluation order

x = 1
local y = 2
print("globals/locals", x, y, _G.x, _G.y)

local a, b, c = 1, 2
print("fewer values", a, b, c)
local d, e = 1, 2, 3
print("more values", d, e)

a, b = 10, 20
a, b = b, a
print("swap", a, b)

local t = {1, 2, 3}
local i, j = 1, 3
t[i], t[j] = t[j], t[i]
print("swap in table", t[1], t[2], t[3])

-- all expressions are evaluated before any assignment
i = 3
i, t[i] = i + 1, 20
print("i, t[i]", i, t[1], t[2], t[3], t[4])

local u = {}
local k = 1
k, u[k] = 2, "first"
print("k, u[k]", k, u[1], u[2])

-- rotate three values
local p, q, r = "p", "q", "r"
p, q, r = q, r, p
print("rotate", p, q, r)

-- assignment to fields through expressions
local obj = {inner = {}}
obj.inner.value, obj.other = 5, 6
print("fields", obj.inner.value, obj.other)

-- function call results in assignment
local function three() return 1, 2, 3 end
local m1, m2, m3, m4 = three()
print("call last", m1, m2, m3, m4)
local n1, n2, n3 = three(), 10
print("call not last", n1, n2, n3)
local o1, o2, o3, o4 = 0, three()
print("call after", o1, o2, o3, o4)

-- globals are fields of _ENV
_ENV.zz = "via _ENV"
print(zz, rawget(_G, "zz"))

-- local shadowing inside a block
local s = "outer"
do
  local s = "inner"
  print("block", s)
end
print("after block", s)

-- a local declared in terms of itself sees the outer one
local v = 1
local v = v + 1
print("self reference", v)

-- local function vs local f = function (recursion)
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print("fact(10)", fact(10))

-- assignment order of side effects in calls
local log = {}
local function f(name, val) log[#log + 1] = name return val end
local w1, w2, w3 = f("a", 1), f("b", 2), f("c", 3)
print("call order", table.concat(log, ","), w1, w2, w3)

-- nil assignment removes a global
x = nil
print("x after nil", x, rawget(_G, "x"))

-- multiple assignment with a table and a global
local tt = {}
tt.a, tt.b, gg = 1, 2, 3
print(tt.a, tt.b, gg)
