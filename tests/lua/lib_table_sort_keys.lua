-- table.sort of only integers / only strings with the default order (equal elements are
-- indistinguishable there, so any correct sort gives lua5.4's table), compared with mixed
-- arrays and with an explicit order function

local function digest(t)
  local h = 0
  for i = 1, #t do
    local v = t[i]
    local x = math.type(v) and v or #v
    h = (h * 31 + x) % 1000000007
  end
  return h
end

local function check(t)
  for i = 2, #t do if t[i] < t[i - 1] then return false end end
  return true
end

math.randomseed(7)
for _, n in ipairs({0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 64, 150}) do
  local a, b = {}, {}
  for i = 1, n do
    local v = math.random(-50, 50)
    if i % 7 == 0 then v = math.random(math.mininteger, math.maxinteger) end
    a[i], b[i] = v, v
  end
  table.sort(a)
  table.sort(b, function(x, y) return x < y end)
  local same = true
  for i = 1, n do if a[i] ~= b[i] then same = false end end
  print("ints", n, check(a), same, digest(a), a[1], a[n])
end

local words = {"", "a", "b", "ab", "abc", "abcdefgh", "abcdefghi", "abcdefgh\0", "abcdefgg",
  "\0", "\0\0", "zzzzzzzzzz", "Z", "aaaaaaaaaaaaaaaaaaaa", "aaaaaaaab", "\255\255\255\255\255\255\255\255", "\255"}
for _, n in ipairs({2, 17, 80}) do
  local a, b = {}, {}
  for i = 1, n do
    local w = words[math.random(#words)] .. (i % 3 == 0 and tostring(math.random(100)) or "")
    a[i], b[i] = w, w
  end
  table.sort(a)
  table.sort(b, function(x, y) return x < y end)
  local same = true
  for i = 1, n do if a[i] ~= b[i] then same = false end end
  print("strings", n, check(a), same, digest(a), #a[1], #a[n])
end

-- mixed integers and floats keep Lua's exact quicksort (1 and 1.0 are distinguishable)
local m = {}
for i = 1, 200 do m[i] = (i % 2 == 0) and (i % 10) or (i % 10) + 0.0 end
table.sort(m)
local o = {}
for i = 1, 40 do o[i] = tostring(m[i]) end
print(table.concat(o, " "))
-- a table with a metatable but no __index/__newindex is still raw
local r = setmetatable({5, 3, 9, 1}, {__tostring = function() return "r" end})
table.sort(r)
print(r[1], r[2], r[3], r[4])
-- descending via order function
local d = {}
for i = 1, 50 do d[i] = (i * 13) % 17 end
table.sort(d, function(x, y) return x > y end)
print(table.concat(d, ",", 1, 20))
