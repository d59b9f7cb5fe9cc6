-- math.random with a fixed seed (xoshiro256** is specified by Lua 5.4)

math.randomseed(42)
local out = {}
for i = 1, 10 do out[i] = math.random(1, 100) end
print(table.concat(out, " "))
out = {}
for i = 1, 5 do out[i] = math.random(1000000) end
print(table.concat(out, " "))
out = {}
for i = 1, 5 do out[i] = string.format("%.17g", math.random()) end
print(table.concat(out, " "))
out = {}
for i = 1, 5 do out[i] = math.random(0) end
print(table.concat(out, " "))
out = {}
for i = 1, 5 do out[i] = math.random(-10, 10) end
print(table.concat(out, " "))
print(math.random(math.mininteger, math.maxinteger))
print(math.random(7, 7), math.random(math.maxinteger, math.maxinteger))

-- the same seed gives the same sequence
math.randomseed(42)
local first = math.random(1, 100)
math.randomseed(42)
print(first == math.random(1, 100))

-- two-argument seed
math.randomseed(1, 2)
out = {}
for i = 1, 5 do out[i] = math.random(10) end
print(table.concat(out, " "))
-- float seed is converted
math.randomseed(3.0)
local a = math.random(100)
math.randomseed(3)
print(a == math.random(100))
-- ranges stay in bounds
math.randomseed(7)
local okb = true
for i = 1, 1000 do
  local r = math.random(3, 5)
  if r < 3 or r > 5 or math.type(r) ~= "integer" then okb = false end
  local f = math.random()
  if f < 0 or f >= 1 then okb = false end
end
print("in bounds", okb)
-- errors
print(pcall(math.random, 2, 1))
print(pcall(math.random, 0.5))
print(pcall(math.random, 1, 2, 3))
print(pcall(math.random, 0, -1))
-- shuffle with the seeded generator
math.randomseed(123)
local deck = {}
for i = 1, 10 do deck[i] = i end
for i = #deck, 2, -1 do
  local j = math.random(i)
  deck[i], deck[j] = deck[j], deck[i]
end
print(table.concat(deck, " "))
