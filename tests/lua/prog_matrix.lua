-- matrices with operator overloading (integer and exact float arithmetic only)

local M = {}
M.__index = M
function M.new(rows) return setmetatable(rows, M) end
function M.identity(n)
  local r = {}
  for i = 1, n do r[i] = {} for j = 1, n do r[i][j] = i == j and 1 or 0 end end
  return M.new(r)
end
function M.__add(a, b)
  local r = {}
  for i = 1, #a do r[i] = {} for j = 1, #a[1] do r[i][j] = a[i][j] + b[i][j] end end
  return M.new(r)
end
function M.__mul(a, b)
  if type(a) == "number" then a, b = b, a end
  if type(b) == "number" then
    local r = {}
    for i = 1, #a do r[i] = {} for j = 1, #a[1] do r[i][j] = a[i][j] * b end end
    return M.new(r)
  end
  assert(#a[1] == #b, "dimension mismatch")
  local r = {}
  for i = 1, #a do
    r[i] = {}
    for j = 1, #b[1] do
      local s = 0
      for k = 1, #b do s = s + a[i][k] * b[k][j] end
      r[i][j] = s
    end
  end
  return M.new(r)
end
function M.__pow(a, n)
  local result = M.identity(#a)
  while n > 0 do
    if n % 2 == 1 then result = result * a end
    a = a * a
    n = n // 2
  end
  return result
end
function M.__eq(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do for j = 1, #a[1] do if a[i][j] ~= b[i][j] then return false end end end
  return true
end
function M.__tostring(a)
  local rows = {}
  for i = 1, #a do rows[i] = "[" .. table.concat(a[i], " ") .. "]" end
  return table.concat(rows, " ")
end
function M:transpose()
  local r = {}
  for j = 1, #self[1] do r[j] = {} for i = 1, #self do r[j][i] = self[i][j] end end
  return M.new(r)
end
function M:det()
  local n = #self
  if n == 1 then return self[1][1] end
  if n == 2 then return self[1][1] * self[2][2] - self[1][2] * self[2][1] end
  local d = 0
  for j = 1, n do
    local minor = {}
    for i = 2, n do
      local row = {}
      for k = 1, n do if k ~= j then row[#row + 1] = self[i][k] end end
      minor[#minor + 1] = row
    end
    d = d + ((j % 2 == 1) and 1 or -1) * self[1][j] * M.new(minor):det()
  end
  return d
end

local a = M.new({{1, 2}, {3, 4}})
local b = M.new({{0, 1}, {1, 0}})
print(a + b, a * b, b * a, 2 * a, a * 0.5)
print(a ^ 0, a ^ 1, a ^ 5)
print(a:transpose(), a:det(), (a * a):det())
print(a == M.new({{1, 2}, {3, 4}}), a == b, a * M.identity(2) == a)
-- fibonacci via matrix power
local fib = M.new({{1, 1}, {1, 0}}) ^ 90
print(fib[1][2])
local big = M.new({{2, -1, 0, 3}, {1, 0, 4, -2}, {0, 5, 1, 1}, {3, 2, -1, 0}})
print(big:det(), big:transpose():det(), (big * big):det() == big:det() ^ 2)
local rect = M.new({{1, 2, 3}, {4, 5, 6}})
print(rect * rect:transpose(), rect:transpose() * rect)
print(pcall(function() return rect * rect end))
