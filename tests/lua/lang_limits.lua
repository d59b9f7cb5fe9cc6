-- large functions, many registers, upvalues, nesting and long jumps (generated with load)

-- 200 locals in one function
local src = {}
for i = 1, 200 do src[#src + 1] = string.format("local v%d = %d", i, i) end
src[#src + 1] = "return v1 + v100 + v200, v150"
print(load(table.concat(src, "\n"))())

-- many upvalues (up to 255 per function)
src = {}
for i = 1, 150 do src[#src + 1] = string.format("local u%d = %d", i, i) end
local body = {}
for i = 1, 150 do body[#body + 1] = "u" .. i end
src[#src + 1] = "return function() return " .. table.concat(body, " + ") .. " end"
print(load(table.concat(src, "\n"))()())

-- a function call with 250 arguments
local args = {}
for i = 1, 250 do args[i] = tostring(i) end
print(load("return select('#', " .. table.concat(args, ", ") .. ")")())
print(load("return math.max(" .. table.concat(args, ", ") .. ")")())

-- a table constructor with 5000 items and one with 1000 hash items
local items = {}
for i = 1, 5000 do items[i] = tostring(i) end
local t = load("return {" .. table.concat(items, ",") .. "}")()
print(#t, t[1], t[5000])
local hitems = {}
for i = 1, 1000 do hitems[i] = "k" .. i .. "=" .. i end
local h = load("return {" .. table.concat(hitems, ",") .. "}")()
print(h.k1, h.k500, h.k1000)

-- deeply nested parentheses and blocks
print(load("return " .. ("("):rep(100) .. "42" .. (")"):rep(100))())
print(load(("do "):rep(100) .. "x_nested = 1 " .. ("end "):rep(100) .. "return x_nested")())
print(load(("if true then "):rep(50) .. "return 'deep if' " .. ("end "):rep(50))())
local nestedf = "return 1"
for i = 1, 30 do nestedf = "return (function() " .. nestedf .. " end)() + 1" end
print(load(nestedf)())

-- a long if/elseif chain
src = {"local x = ... "}
for i = 1, 300 do src[#src + 1] = (i == 1 and "if" or "elseif") .. " x == " .. i .. " then return 'branch " .. i .. "'" end
src[#src + 1] = "else return 'none' end"
local chain = load(table.concat(src, "\n"))
print(chain(1), chain(150), chain(300), chain(301))

-- a very long loop body (long backward jump)
src = {"local s = 0 for i = 1, 10 do"}
for i = 1, 2000 do src[#src + 1] = "s = s + 1" end
src[#src + 1] = "end return s"
print(load(table.concat(src, "\n"))())

-- long string and long concatenation chain
local long = ("x"):rep(100000)
print(#long, #(long .. long))
local cat = {}
for i = 1, 60 do cat[i] = "'" .. i .. "'" end
print(#load("return " .. table.concat(cat, " .. "))())

-- long arithmetic expression chain
local terms = {}
for i = 1, 500 do terms[i] = tostring(i) end
print(load("return " .. table.concat(terms, " + "))())
