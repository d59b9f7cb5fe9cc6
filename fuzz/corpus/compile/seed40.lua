-- the string metatable

local smt = getmetatable("")
print(type(smt), smt.__index == string)
-- arithmetic metamethods on strings (5.4 moved coercion into the string library)
print(type(smt.__add), type(smt.__unm), type(smt.__concat))
print("10" + 1, "3" * "4", "2" ^ "3", -"5", "7" // "2", "7" % "4", "1" / "4")
print(pcall(function() return "x" + 1 end))
print(pcall(function() return {} + "1" end))

-- adding to the string table makes methods available
string.shout = function(s) return s:upper() .. "!" end
print(("hey"):shout())
string.shout = nil

-- indexing strings with numbers gives nil (string table has no numeric keys)
print(("abc")[1], ("abc").x)

-- replacing __index of the string metatable
local old = smt.__index
smt.__index = function(s, k)
  if type(k) == "number" then return s:sub(k, k) end
  return old[k]
end
print(("hello")[2], ("hello"):upper())
smt.__index = old
print(("hello")[2])

-- strings do not have __call
print(pcall(function() return ("x")() end))
