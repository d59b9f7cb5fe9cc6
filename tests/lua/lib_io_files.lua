-- The standalone io library on real files: every open mode, every read format, seek, lines,
-- buffering, closing and the (nil, message, errno) results, as liolib.c; and os.remove,
-- os.rename, os.tmpname. File names come from os.tmpname and are never printed.
local name = os.tmpname()
print(io.type(io.stdout), io.type(42), io.type(nil))
local mt = getmetatable(io.stdin)
print(mt.__name, type(mt.__gc), type(mt.__close), type(mt.__tostring), type(mt.__index))

local f = assert(io.open(name, "w"))
print(io.type(f), tostring(f):match("^file %(0x%x+%)$") ~= nil)
print(f:write("line1\n", 42, " ", 1.5, "\n", "3.25e1 0x10 -7 abc\n", "last") == f)
print(f:read())                       -- not readable
print(f:seek("cur"), f:seek("set", 2), f:seek("end"))
print(f:close())
print(io.type(f), tostring(f), pcall(f.read, f))
print(pcall(f.close, f))
print(pcall(io.close, f))

f = assert(io.open(name))             -- "r" by default
print(f:write("x"))                   -- not writable
print(f:read("l", "L", "n", "n"))
print(f:read("n", "n", "n", "l"))
print(f:read(0), f:read(2), f:read("a"))
print(f:read(0), f:read("a"), f:read("l"), f:read(1), f:read("n"))
print(f:seek("set", 0), f:read("*l"), f:seek("cur"), f:read("*a"):len())
print(pcall(function() return f:read("x") end))
print(pcall(function() return f:seek("bad") end))
print(pcall(function() return f:seek("set", 1.5) end))
print(f:setvbuf("no"), f:setvbuf("full", 1024), f:setvbuf("line"))
print(pcall(function() return f:setvbuf("other") end))
f:close()

-- Append and update modes.
f = assert(io.open(name, "a")); f:write("\nappended"); f:close()
f = assert(io.open(name, "r+")); print(f:read("l")); f:seek("set", 0); f:write("LINE"); f:close()
f = assert(io.open(name, "a+")); f:write("!"); f:seek("set"); print(f:read("l")); f:close()
for l in io.lines(name) do io.write("[", l, "]") end print()
for a, b in io.lines(name, 1, "l") do io.write("<", a, "|", b, ">") end print()
for n in io.lines(name, "L") do io.write(n) end print()
local it, s, c, fh = io.lines(name, "n")
print(io.type(fh), s, c, it(), io.type(fh))
print(io.type(fh), pcall(it))
it, s, c, fh = io.lines(name, 2)
print(it(), it(), io.type(fh))
for _ in it do end
print(io.type(fh))
f = assert(io.open(name, "w+"))
f:write("1 2 3\n4 5")
f:seek("set")
local sum = 0
for a, b in f:lines("n", "n") do sum = sum + a + (b or 0) end
print(sum, io.type(f), f:read("a"))
f:close()
do
  local g <close> = assert(io.open(name))
  print(g:read("n"))
  fh = g
end
print(io.type(fh))

-- Default files.
print(io.input() == io.stdin, io.output() == io.stdout)
io.input(name)
print(io.read("n", "n"), io.read("L"), io.lines()())
local first = io.input()
io.input(io.stdin)
print(io.type(first), first:close(), io.type(first))
local out = os.tmpname()
print(io.output(out) ~= io.stdout, io.write("to ", "file ", 7) == io.output())
print(io.close(), pcall(io.write, "x"))
print(pcall(io.flush))
io.output(io.stdout)
for l in io.lines(out) do print(l) end
print(pcall(io.input, "/nonexistent/dir/file"))
print(pcall(io.lines, "/nonexistent/dir/file"))
print(pcall(io.output, {}))
print(io.close(io.stdout))
print(io.stdout:close())

-- Errors as results.
print(io.open("/nonexistent/dir/file"))
print(io.open("/nonexistent/dir/file", "w"))
print(pcall(io.open, name, "rw"))
print(io.type(io.open(name, "r+b")), pcall(io.open, name, "rb+"))
print(os.remove("/nonexistent/dir/file"))
print(os.rename("/nonexistent/dir/file", "/nonexistent/other"))
print(os.rename(out, name))
print(io.open(out) == nil, select("#", io.open(out)))
print(os.remove(name), select(3, os.remove(name)))

-- Temporary files, pipes, commands.
local t = io.tmpfile()
print(io.type(t), t:write("abc", 1, 2.0):seek("cur"), t:seek("set"), t:read("a"))
t:close()
local p = io.popen("echo hello; echo world")
print(p:read("l"), p:read("a"))
print(p:close())
p = io.popen("exit 3")
print(p:close())
p = io.popen("cat > /dev/null", "w")
print(p:write("data") == p, p:close())
print(pcall(io.popen, "true", "rw"))
print(os.execute(), os.execute("exit 2"), os.execute("true"))
print(os.execute("kill -9 $$"))
print(pcall(io.read, "x"))
print(io.read("a"), io.read("l"), io.read(0))

-- loadfile of a binary chunk after a first-line comment (luaL_loadfilex reads it from the
-- chunk's signature), and of text after one (line numbers kept).
name = os.tmpname()
f = assert(io.open(name, "wb"))
f:write("#!comment line\0\n", string.dump(function () return 20, "\0\0\0" end))
f:close()
local a, b = assert(loadfile(name))()
print(a, #b)
f = assert(io.open(name, "w")); f:write("# comment\nreturn debug.getinfo(1, 'l').currentline"); f:close()
print(assert(loadfile(name))())
print(os.remove(name))
