-- string.dump and loading binary chunks

-- a dumped function runs again after load, with fresh upvalues
local f = load(string.dump(function () return 1 end), nil, "b", {})
print(type(f), f())

-- a main chunk: its first upvalue is _ENV
local x = string.dump(load("y = 7; return y * 2"))
local a = assert(load(x, "dumped", "b"))
print(a(), y, x == string.dump(a))

-- mode checks
print(load(x, nil, "t"))
print(load("return 1", nil, "b"))

-- only Lua functions can be dumped
print(pcall(string.dump, print))
print(pcall(string.dump, {}))

-- upvalues: fresh, the first one set to the environment whatever its name
local up1, up2 = 20, 30
local g = load(string.dump(function (cmd)
  if cmd == "set" then up1 = 10 + up2; up2 = up2 + 1 else return up1 end
end), "", "b", nil)
print(g() == _G, debug.getupvalue(g, 1), (debug.getupvalue(g, 2)))
print(debug.setupvalue(g, 1, "hi"), g())
print(debug.setupvalue(g, 2, 13), debug.setupvalue(g, 3, 10))
g("set") print(g())
g("set") print(g())

-- nested functions and their names in errors
local nest = load("return function (a) return function (b) return a + b end end", "=nest")
local d = string.dump(nest)
print(load(d)()(2)(3))
local h = load(string.dump(function (t) return t.x.y end), "=ignored")
print(pcall(h, {}))

-- the header is Lua 5.4's
local header = string.pack("c4BBc6BBB", "\27Lua", 0x54, 0, "\x19\x93\r\n\x1a\n", 4,
  string.packsize("j"), string.packsize("n"))
local c = string.dump(function () local a = 1; return a + 2 end)
print(string.sub(c, 1, #header) == header, string.unpack("jn", c, #header + 1))
print(assert(load(c))())

-- corrupted or truncated chunks are refused
local refused = 0
for i = 1, #header do
  local s = string.sub(c, 1, i - 1) .. string.char((string.byte(c, i) + 1) % 256) ..
            string.sub(c, i + 1)
  if not load(s) then refused = refused + 1 end
end
print("corrupted headers refused:", refused == #header)
local truncated = 0
for i = 1, #c - 1 do
  if not load(string.sub(c, 1, i)) then truncated = truncated + 1 end
end
print("truncated chunks refused:", truncated == #c - 1)
print(load(string.sub(c, 1, 10), "=short"))
print(load(string.sub(c, 1, 10), "chunk text"))
