-- and / or / not: short-circuit and values

print(nil and 1, false and 1, 0 and 1, "" and "yes")
print(nil or 1, false or false, 0 or 1, nil or nil)
print(not nil, not false, not 0, not "", not {})
print(1 and 2 or 3, nil and 2 or 3, false or nil and 1)

local calls = {}
local function f(name, v) calls[#calls + 1] = name return v end
local r = f("a", false) and f("b", true)
print(r, table.concat(calls, ","))
calls = {}
r = f("a", 1) or f("b", 2)
print(r, table.concat(calls, ","))
calls = {}
r = f("a", nil) or f("b", false) or f("c", "last")
print(r, table.concat(calls, ","))
calls = {}
r = f("a", 1) and f("b", 2) and f("c", nil) and f("d", 4)
print(r, table.concat(calls, ","))

-- in conditions
local function check(v) if v then return "truthy" else return "falsy" end end
print(check(0), check(""), check(false), check(nil), check(0.0), check(-0.0))

-- ternary idiom pitfall
local x = true
print(x and false or "default")

-- comparisons produce booleans
print(type(1 < 2), 1 < 2 and "lt" or "ge")

-- only the first value of a multi-return call is used
local function two() return nil, true end
print(two() or "first was nil")
print((two()) == nil)

-- deeply nested conditions
local function classify(n)
  return n < 0 and "neg" or n == 0 and "zero" or n < 10 and "small" or "big"
end
print(classify(-5), classify(0), classify(5), classify(50))

-- if / elseif / else chains
for _, v in ipairs({1, 2, 3, 4}) do
  if v == 1 then io.write("one ")
  elseif v == 2 then io.write("two ")
  elseif v == 3 then io.write("three ")
  else io.write("other ") end
end
print()
