-- math.floor, math.ceil (one argument), math.max and math.min (two) are made in place by
-- the interpreter (`vm::light`) where a call gives one result: results, integer/float
-- subtypes, argument conversions and errors as lua5.4's, in loops and straight-line code.
local floor, ceil, max, min = math.floor, math.ceil, math.max, math.min
local fmt = string.format

local function show(v)
  if v ~= v then return "nan" end
  return math.type(v) .. ":" .. tostring(v)
end

-- in a loop with the functions as upvalues open below its frame
local function loop(n)
  local t = {}
  for i = 1, n do
    local w = i * 0.75 - 7
    local a = floor(w)
    w = w + 1 - 1 + 2 - 2
    local b = ceil(w)
    local c = max(w, 3)
    local d = min(i, w)
    t[#t + 1] = show(a) .. " " .. show(b) .. " " .. show(c) .. " " .. show(d)
  end
  return table.concat(t, " | ")
end
print(loop(16))

-- the library's own fields, straight-line
local args = {4, -4, 0, -0.0, 2.5, -2.5, 1e308, -1e308, 1 / 0, -1 / 0, math.mininteger,
  math.maxinteger, 2^53 + 1, 2^63, -2^63, 0 / 0, 0.1, -0.1}
for i = 1, #args do
  local x = args[i]
  print(i, show(math.floor(x)), show(math.ceil(x)), show(math.max(x, 0)), show(math.min(x, 0)),
    show(math.max(0, x)), show(math.min(0, x)))
end

-- equal values: the first one is kept (its subtype shows)
print(show(max(1, 1.0)), show(max(1.0, 1)), show(min(1, 1.0)), show(min(1.0, 1)))
print(show(max(math.maxinteger, 2^63)), show(min(math.mininteger, -2^63)))
print(show(max(2^53, 2^53 + 1)), show(min(2^53 + 1, 2^53)))

-- strings are converted by the natives (floor/ceil) or compared as strings (max/min)
print(show(floor("3.7")), show(ceil("-3.7")), show(floor("10")), max("10", "9"), min("a", "b"))
print(pcall(max, "10", 9))
print(pcall(floor, {}))
print(pcall(ceil))
print(pcall(max))
print(pcall(min, 1, nil))

-- other counts of arguments and results
local a, b = max(1, 2), floor(2.5, 9)
print(a, b, max(3), min(3, 2, 1), select("#", floor(1.5)), (max(1, 2)))
local t = { max(5, 6), min(5, 6) }
print(#t, t[1], t[2])

-- metamethods are not consulted for numbers; __lt on tables through max
local mt = { __lt = function(x, y) return x.v < y.v end }
local p, q = setmetatable({ v = 1 }, mt), setmetatable({ v = 2 }, mt)
print(max(p, q).v, min(p, q).v)

-- in a loop, read as globals through `math`
local s = 0
for i = 1, 1000 do
  s = s + math.floor(i / 7) + math.ceil(i / 7) + math.max(i, 500) - math.min(i % 13, 6.5)
end
print(fmt("%.1f", s))
