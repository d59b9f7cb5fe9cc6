-- print and io.write basics

print()
print(nil)
print(1, 2, 3)
print("a", nil, "b")
print(nil, nil)
print(true, false)
print("tabs\tinside", "and\nnewlines")
print(1.0, -0.0, 100, 1e100, 2^63, math.mininteger)
print(setmetatable({}, {__tostring = function() return "custom" end}))
print(setmetatable({}, {__name = "Named"}) ~= nil)
print("", "", "")
print(("x"):rep(3, ","))
print("embedded\0zero")
io.write("io.write ", 1, " ", 2.5, "\n")
io.write()
io.write("no newline at first")
io.write(" then newline\n")
print(select('#', print()))
print(#tostring(12345))
-- print uses tostring even when tostring is replaced? In 5.4, print calls luaL_tolstring
-- directly, so a replaced global tostring is not used.
local old = tostring
tostring = function() return "REPLACED" end
print(1, "x")
tostring = old
print(1, "x")
