-- the length operator

print(#"", #"abc", #"\0\0\0", #("x"):rep(1000))
print(#{}, #{1}, #{1, 2, 3}, #{n = 1}, #{1, 2, 3, n = 3})
print(#{nil}, #{nil, nil}, #{1, nil}, #{1, 2, nil})
print(#{1, 2, nil, 4})
print(#{nil, 2})

local t = {}
for i = 1, 100 do t[i] = i end
print(#t)
t[#t] = nil
print(#t)
t[#t + 1] = "x"
print(#t, t[#t])
for i = 1, 50 do t[#t] = nil end
print(#t)

-- tables built by insertion
local s = {}
for i = 1, 10 do table.insert(s, i) end
print(#s)
table.remove(s)
print(#s)

-- length of a string with multibyte characters
print(#"h\u{E9}llo", utf8.len("h\u{E9}llo"))

-- length errors
print(pcall(function() return #nil end))
print(pcall(function() return #5 end))
print(pcall(function() local b = true return #b end))

-- __len
local obj = setmetatable({}, {__len = function() return 42 end})
print(#obj, rawlen(obj))
print(rawlen({1, 2}), rawlen("abcd"))
