-- table keys: normalisation of float keys, special keys

local t = {}
t[1.0] = "one"
print(t[1], t[1.0], rawget(t, 1), math.type(next(t)))
t[2] = "two"
print(t[2.0])
t[2^53] = "big"
print(t[2^53], t[1 << 53], t[(1 << 53) | 0])
t[1.5] = "float"
print(t[1.5], t[3 / 2])
t[-0.0] = "zero"
print(t[0], t[-0.0], t[0.0])

-- nil and NaN keys
print(pcall(function() local x = {} x[nil] = 1 end))
print(pcall(function() local x = {} x[0/0] = 1 end))
print(({})[nil], ({})[0/0])
print(pcall(rawset, {}, nil, 1))

-- keys of every type
local f = function() end
local key_t = {}
local all = {}
all[true] = "true"
all[false] = "false"
all[f] = "function"
all[key_t] = "table"
all["s"] = "string"
all[10] = "int"
all[10.5] = "float"
print(all[true], all[false], all[f], all[key_t], all.s, all[10], all[10.5])
print(all[{}], all[function() end])

-- string keys vs number keys
local m = {}
m["10"] = "string ten"
m[10] = "number ten"
print(m["10"], m[10])

-- counting keys (order independent)
local function count(tab)
  local n = 0
  for _ in pairs(tab) do n = n + 1 end
  return n
end
print(count(all), count(t))

-- assigning nil removes
all[true] = nil
all.s = nil
print(count(all), all[true], all.s)

-- integer-valued float keys collapse with integer keys in constructors too
local c = {[1] = "a", [1.0] = "b"}
print(c[1], count(c))
local c2 = {[2^63] = "x"}
print(c2[2^63], math.type(next(c2)))

-- large and negative integer keys
local big = {}
big[math.maxinteger] = "max"
big[math.mininteger] = "min"
big[-1] = "neg"
big[0] = "zero"
print(big[math.maxinteger], big[math.mininteger], big[-1], big[0], count(big))

-- sorted key dump
local keys = {}
for k in pairs({z = 1, a = 2, m = 3, [1] = 4, [2] = 5}) do keys[#keys + 1] = tostring(k) end
table.sort(keys)
print(table.concat(keys, " "))
