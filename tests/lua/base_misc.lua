-- _G, _VERSION, collectgarbage and other globals

print(_G._G == _G, _G == _ENV, _VERSION)
print(type(_G), type(_G.print), _G.nonexistent)
print(type(collectgarbage("count")), collectgarbage("count") > 0)
print(collectgarbage(), collectgarbage("collect"))
print(type(collectgarbage("step")), collectgarbage("isrunning"))
print(math.type(collectgarbage("count")))
-- globals can be created through _G
_G.created = "yes"
print(created)
-- a standard set of global names
local names = {"assert", "collectgarbage", "error", "getmetatable", "ipairs", "load", "next",
  "pairs", "pcall", "print", "rawequal", "rawget", "rawlen", "rawset", "select",
  "setmetatable", "tonumber", "tostring", "type", "xpcall", "coroutine", "math", "string",
  "table", "utf8", "os"}
local missing = {}
for _, n in ipairs(names) do if _G[n] == nil then missing[#missing + 1] = n end end
print("missing globals:", #missing, table.concat(missing, ","))
-- library tables contain the expected functions
local function has(lib, list)
  local m = {}
  for name in list:gmatch("%S+") do if type(lib[name]) ~= "function" then m[#m + 1] = name end end
  return #m == 0 and "ok" or table.concat(m, ",")
end
print("string", has(string, "byte char find format gmatch gsub len lower match rep reverse sub upper pack packsize unpack"))
print("table", has(table, "concat insert move pack remove sort unpack"))
print("math", has(math, "abs ceil cos exp floor fmod log max min modf random randomseed sin sqrt tan tointeger type ult atan asin acos"))
print("coroutine", has(coroutine, "close create isyieldable resume running status wrap yield"))
print("utf8", has(utf8, "char codepoint codes len offset"))
print("os", has(os, "clock date difftime time"))
print(math.pi, math.huge, math.maxinteger, math.mininteger)
print(type(utf8.charpattern))
