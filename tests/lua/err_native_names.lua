-- Names in "bad argument" errors when the call site does not name the function
-- (luaL_argerror's pushglobalfuncname): module.name, a base function's name, or '?' for a
-- library function no longer in its module.
local function msg(f, ...) local ok, e = pcall(f, ...) return e end
print(msg(string.rep))
print(msg(string.rep, "x", {}))
print(msg(math.floor, "a"))
print(msg(table.concat, 1))
print(msg(tonumber, {}, 99))
print(msg(setmetatable, 1))
print(msg(select, 0))
print(msg(utf8.char, -1))
print(msg(coroutine.resume, 1))
-- a copy under another name still has its module name
local rep = string.rep
print(msg(rep))
-- removed from its module: '?'
local sub = string.sub
string.sub = nil
print(msg(sub))
string.sub = sub
-- call sites that name the function win
print(pcall(function() return string.rep() end))
print(pcall(function() local s = "x" return s:rep({}) end))
print(pcall(function() return math.max() end))
-- a library function stored in a table field is named by the field at its call site
local t = {f = string.byte}
print(pcall(function() return t.f({}) end))
-- debug.getuservalue: one result for anything but a userdata with that many user values
print(select("#", debug.getuservalue(1)), debug.getuservalue({}))
print(select("#", debug.getuservalue(io and io.stdout or 1, 1)))
print(pcall(debug.getuservalue, 1, "x"))
-- a method found in no loaded module (FILE* methods) has no name
print(pcall(io.stdout.write, io.stdout, {}))
print(pcall(io.stdout.seek, io.stdout, "bogus"))
print(pcall(io.stdout.setvbuf, io.stdout, "x"))
