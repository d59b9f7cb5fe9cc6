-- long strings and long comments

local a = [[hello]]
local b = [[
first newline is skipped]]
local c = [==[contains ]] and ]=] inside]==]
local d = [[
line one
line two
]]
print(a)
print(b)
print(c)
print(d)
print(#d, select(2, d:gsub("\n", "")))
print([[]] == "", #[[

]])
--[[ a long
comment ]] print("after long comment")
--[==[ another
]] still comment
]==] print("after level-2 comment")
---[[ not a long comment
print("this runs")
--]]
local e = [=[
[[nested looking]]
]=]
print(e)
print([[tab	inside]], [[backslash \ stays]])
local crlf = load("return [[a\r\nb]]")()
print(#crlf, crlf:byte(1, -1))
local lfcr = load("return [[a\n\rb]]")()
print(#lfcr, lfcr:byte(1, -1))
local cr = load("return [[\ra]]")()
print(#cr, cr:byte(1, -1))
