-- string.dump(f, true): the loaded function has no debug information
local function foo(a)
  local b = a * 2
  return b + 1
end
local s = load(string.dump(foo, true))
print(s(3))
local t = debug.getinfo(s)
print(t.source, t.short_src, t.linedefined, t.lastlinedefined, t.what, t.currentline)
print(next(debug.getinfo(s, "L").activelines))
print(pcall(s, {}))
print(select(2, pcall(load(string.dump(function() local x = {} return x.y.z end, true)))))

-- a stripped function dumped again stays stripped
local s2 = load(string.dump(s))
print(debug.getinfo(s2, "S").short_src, pcall(s2, "x"))

-- names of locals and upvalues are gone; values are still there
local prog = [[
local a = 12
local n, v = debug.getlocal(1, 1)
print(n, v)
local f = function () return a end
print(debug.getupvalue(f, 1))
print(debug.setupvalue(f, 1, 13), a)
print(debug.getinfo(1, "l").currentline)
print((debug.traceback("tb")))
return a
]]
print(load(string.dump(load(prog), true))())
-- the same chunk unstripped
print(load(string.dump(load(prog)))())

-- line hooks in stripped code: called (with no line) for the first instruction only
local lines = {}
debug.sethook(function (e, l) lines[#lines + 1] = tostring(l) end, "l")
s(1)
debug.sethook(nil)
print(#lines, lines[1])
-- a loop jumps back: the hook fires again at each backward jump
local loop = load(string.dump(function () local x = 0; for i = 1, 3 do x = x + i end; return x end, true))
lines = {}
debug.sethook(function (e, l) lines[#lines + 1] = tostring(l) end, "l")
loop()
debug.sethook(nil)
print(#lines, table.concat(lines, " "))

-- errors name no variables without debug information
print(pcall(load(string.dump(function () return undefinedglobal.x end, true))))
print(pcall(load(string.dump(function () local t = {} return t.a.b end, true))))
