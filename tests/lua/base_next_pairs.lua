-- next and pairs (hash order is unspecified: only sorted keys or sequences are printed)

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) < type(b)
  end)
  return ks
end

print(next({}))
print(next({10}))
print(next({10}, 1))
local arr = {"a", "b", "c"}
local k, v = next(arr)
local order = {}
while k do order[#order + 1] = k .. v k, v = next(arr, k) end
print(table.concat(order, " "))

local h = {x = 1, y = 2, z = 3, [1] = "one", [2] = "two", [3.5] = "float"}
local ks = sorted_keys(h)
for i = 1, #ks do ks[i] = tostring(ks[i]) end
print(table.concat(ks, " "))

-- pairs visits every key exactly once
local big = {}
for i = 1, 100 do big["k" .. i] = i end
for i = 1, 50 do big[i] = i end
local count, sum = 0, 0
for key, val in pairs(big) do count = count + 1 sum = sum + val end
print(count, sum)

-- clearing fields during traversal is allowed
for key in pairs(big) do big[key] = nil end
print(next(big))

-- assigning to existing fields during traversal is allowed
local m = {a = 1, b = 2, c = 3}
for key, val in pairs(m) do m[key] = val * 10 end
ks = sorted_keys(m)
for i, key in ipairs(ks) do ks[i] = key .. "=" .. m[key] end
print(table.concat(ks, " "))

-- pairs returns next, the table, nil
local f, s, init = pairs(m)
print(f == next, s == m, init)

-- __pairs
local proxy = setmetatable({}, {__pairs = function(t)
  local i = 0
  return function()
    i = i + 1
    if i <= 3 then return i, i * 100 end
  end, t, nil
end})
for a, b in pairs(proxy) do io.write(a, "=", b, " ") end
print()
-- __pairs can return extra values, only three are used
local p2 = setmetatable({}, {__pairs = function(t) return next, {5, 6}, nil, "ignored" end})
for a, b in pairs(p2) do io.write(a, "=", b, " ") end
print()

-- errors
print(pcall(next, {}, "missing"))
print(pcall(pairs))
print(select("#", pcall(pairs, nil)), select(3, pcall(pairs, nil)))
print(pcall(function() for k in pairs(nil) do end end))
print(pcall(next))
-- next after the last key
print(next({5}, 1))
-- pairs over a sequence with nil in constructor: count only
local c = 0
for _ in pairs({1, nil, 3}) do c = c + 1 end
print("non-nil", c)
