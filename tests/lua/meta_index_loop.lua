-- long __index/__newindex chains and loops

-- a chain of 100 tables
local root = {found = "at the root"}
local cur = root
for i = 1, 100 do cur = setmetatable({}, {__index = cur}) end
print(cur.found, cur.missing)

-- a chain of __newindex tables
local sink = {}
local top = sink
for i = 1, 50 do top = setmetatable({}, {__newindex = top}) end
top.k = "v"
print(sink.k, rawget(top, "k"))

-- a loop in __index tables is an error
local a, b = {}, {}
setmetatable(a, {__index = b})
setmetatable(b, {__index = a})
print(pcall(function() return a.x end))
-- a loop in __newindex tables too
local c, d = {}, {}
setmetatable(c, {__newindex = d})
setmetatable(d, {__newindex = c})
print(pcall(function() c.x = 1 end))
-- a self loop
local s = {}
setmetatable(s, {__index = s})
print(pcall(function() return s.anything end))
local s2 = setmetatable({}, {})
getmetatable(s2).__index = s2
print(pcall(function() return s2.x end))
-- but an __index table that has the key stops the walk
rawset(s, "anything", "found")
print(s.anything)
