-- integer/float distinctions in math results

local function show(...)
  local out = {}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    out[i] = tostring(v) .. ":" .. (math.type(v) or type(v))
  end
  print(table.concat(out, " "))
end
show(1, 1.0, 2^2, 4 // 2, 4.0 // 2, 7 / 7, 3 % 2, 3.0 % 2)
show(math.floor(1.0), math.ceil(1.0), math.abs(-1), math.abs(-1.0))
show(math.max(1, 2), math.max(1.0, 2), math.max(2, 1.0), math.min(1, 1.0))
show(math.fmod(5, 3), math.fmod(5.0, 3), math.fmod(-6, 4))
show(math.tointeger(5.0), math.modf(5), math.modf(5.5))
show(1e15 // 1, 2^53 // 1, -(2^63) // 1)
show(tonumber("5"), tonumber("5.0"), tonumber("0x5"), tonumber("5e0"))
show(5 // 0.0, -5 // 0.0, 0/0 ~= 0/0)
show(string.len("abc"), #"abc", select('#'))
show(math.maxinteger + 0.0, math.mininteger + 0.0, math.maxinteger // 1.0)
-- integer conversion of floats in integer-only contexts
print(("x"):rep(3.0), string.char(65.0), ({10, 20})[2.0], select(2.0, "a", "b"))
print(pcall(string.rep, "x", 2.5))
print(pcall(string.char, 65.5))
-- float keys normalised
local t = {}
t[3.0] = "three"
for k in pairs(t) do print(k, math.type(k)) end
-- integer for loop with float step becomes a float loop
for i = 1, 2, 0.5 do io.write(i, ":", math.type(i), " ") end
print()
-- string to number conversions choose integer or float
print(math.type("10" + 0), math.type("10" * 1.0), math.type("1e1" * 1), math.type("10" // 1))
