-- varargs

local function count(...) return select('#', ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))

local function last(...) return select(-1, ...) end
print(last(1, 2, 3), last("only"))

local function from2(...) return select(2, ...) end
print(from2(1, 2, 3))
print(select(2, "a", "b", "c"), (select(2, "a", "b", "c")))
print(select(-2, "a", "b", "c"))
print(select(5, 1, 2))
print(select('#'))

local function pack(...) return {...} end
local t = pack(1, nil, 3)
print(#pack(), t[1], t[2], t[3])

local p = table.pack(1, nil, 3, nil)
print(p.n, p[1], p[2], p[3], p[4])
print(table.pack().n)

-- passing through
local function pass(...) return ... end
print(pass(1, 2, 3))
print(pass())
print((pass(1, 2, 3)))
print(pass(1, 2, 3), "end")
print(count(pass(nil, nil, nil)))

-- varargs with fixed parameters
local function fixed(a, b, ...)
  return a, b, select('#', ...), ...
end
print(fixed(1))
print(fixed(1, 2, 3, 4))

-- varargs in table constructor
local function mid(...) return {..., "end"} end
local m = mid(1, 2, 3)
print(#m, m[1], m[2])
local function tail(...) return {"start", ...} end
local tt = tail(1, 2, 3)
print(#tt, tt[1], tt[4])

-- ... in the main chunk (no script arguments here)
print("main chunk varargs", select('#', ...))

-- vararg in arithmetic is truncated to the first value
local function sum2(...) return ... + 10 end
print(sum2(5, 100))

-- unpack round trip
local function rt(...) return table.unpack({...}, 1, select('#', ...)) end
print(rt(1, nil, 3, nil))

-- many arguments
local big = {}
for i = 1, 200 do big[i] = i end
print(count(table.unpack(big)), select(200, table.unpack(big)))
local function sum(...)
  local s = 0
  for i = 1, select('#', ...) do s = s + (select(i, ...)) end
  return s
end
print(sum(table.unpack(big)))

-- varargs captured by a closure must go through a table
local function capture(...)
  local args = table.pack(...)
  return function() return table.unpack(args, 1, args.n) end
end
print(capture("x", nil, "z")())

-- select with negative index out of range
print(pcall(select, -5, 1, 2))
print(pcall(select, 0, 1, 2))
