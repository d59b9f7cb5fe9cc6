-- string <-> number coercions

print("10" + 1, "10" * "2", "3" - 1, "2" ^ 2, "7" // 2, "7" % "4")
print(math.type("10" + 1), math.type("10.0" + 1), math.type("1e1" + 0))
print("0x10" * 2, "0x10" + 0, "0xA.8p0" + 0)
print("1e1" + 0, " 5 " + 0, "\t7\n" * 1, "-3" + 0, "+3" + 0)
print(10 .. 20, 1.5 .. "", -0.0 .. "", 2^63 .. "", math.mininteger .. "")
print(1 .. "", 1.0 .. "", 1e100 .. "")
print(pcall(function() return "abc" + 1 end))
print(pcall(function() return "10a" + 1 end))
print(pcall(function() return "" + 1 end))
print(pcall(function() return {} .. "" end))
print(pcall(function() return true .. "" end))
print(pcall(function() return nil .. "x" end))

-- comparisons never coerce
print(1 == "1", "1" == 1, 0 == "0")
print(pcall(function() return 1 < "2" end))
print(pcall(function() return "10" < 9 end))

-- table keys are not coerced
local t = {}
t[1] = "int"
t["1"] = "str"
print(t[1], t["1"], t[1.0])

-- unary minus on strings
print(-"3", -"3.5", -" 0x10 ")

-- string arithmetic results keep integer-ness
print("9007199254740993" + 0, "9223372036854775807" + 0, "9223372036854775808" + 0)
print(math.type("9223372036854775808" + 0))

-- tostring / tonumber round-trip
for _, v in ipairs({0, -1, 255, 3.5, -0.25, 1e20, 2^63, math.maxinteger}) do
  print(v, tostring(v), tonumber(tostring(v)) == v)
end
