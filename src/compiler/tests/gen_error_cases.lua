-- Regenerates error_cases.rs:
--   cd tests/lua && lua5.4 ../../src/compiler/tests/gen_error_cases.lua err_syntax_*.lua \
--     > ../../src/compiler/tests/error_cases.rs
-- Generates Rust test data: (source, chunk name, expected load() error or nil).
local cases, seen = {}, {}
local real_load = load
local function record(src, name)
  if type(src) ~= "string" then return end
  local key = src .. "\0" .. tostring(name)
  if seen[key] then return end
  seen[key] = true
  local f, msg = real_load(src, name, "t")
  if msg and msg:match("^C stack overflow") then msg = "C stack overflow" end
  cases[#cases + 1] = { src = src, name = name or src, msg = msg }
end
load = function(src, name, ...)
  record(src, name)
  return real_load(src, name, ...)
end
local out = io.stdout
io.stdout:setvbuf("no")
local real_print = print
print = function() end
for _, f in ipairs(arg) do
  local chunk = assert(real_load(io.open(f):read("a"), "@" .. f))
  pcall(chunk)
end
print = real_print
local extra = {
 "break", "goto foo", "do goto l1 end ::l1:: ::l1::", "goto l; local x; ::l:: print(x)",
 "local x <const> = 1; x = 2", "local a <close>, b <close> = 1, 2", "local a <foo> = 1",
 "x = = 1", "x = \"abc", "x = 'abc\ny'", "function f() ", "f(...)", "function f() return ... end",
 "x = 3x", "x = 0x", "x = '\\q'", "x = '\\300'", "x = '\\u{80000000}'", "x = '\\u123'", "x = '\\u{12'", "x = '\\xZZ'",
 "x = [==[ abc", "--[[ abc", "x = [=", "a.b:c = 1", "x = 1 + ", "local function", "for i = 1 do end", "for a.b = 1, 2 do end",
 "if x then", "repeat x = 1", "while true do", "f(", "x = {1, 2", "return return", "x = #", "(f)", "a, b", "a.b", "::a:: ::b:: goto c",
 "local x = 1 local x <const> = 2 x = 3", "x = \"a\\0b\" y", "x = '\\xA'", "local t <close> = nil; return f()",
 "goto continue; local a = 1; ::continue::", "do local a; goto l end; ::l::", "local a; goto l; local b; ::l::",
 "repeat goto l; local x; ::l:: until x", "x = 1e", "x = .5e+", "x = 08", "x = 0x1p", "a = 1 b = 2 c ==",
 "local a = {} a.b.c:d()", "x = '\\z  \n  abc", "f{}{}\"\" x", "for i in", "function a:b.c() end", "local x <const>",
 "x = ~= 1", "\1", "x = 'a\\\r\nb' y y", "x = [[\nab]] y", "return 1,", "::1::", "goto 1", "local 1",
 "x = 1\r\ny = = 2", "x = 1\n\ry = = 2", "x = 1\r\ry = = 2", "x = 1\n\ny = = 2",
 "x = [[\r\n]] y = = 2", "--[==[\n\n]==] x = = 1", "x = 'a\\\n\\\nb' = 1",
 "function f()\n  local x <close> = 1\n  local y <close> = 2\nend x = = 1",
 "local x <const> = {} x.a = 1 x = 2",
 "local function f() local a <const> = 1 return function() a = 2 end end",
 "local x <close> = 1 x = 1",
 "for i = 1, 10 do i = 1 end y = = 1",
 "x = 0xffffffffffffffffff y = = 1",
 "return function(a, b, a) end, = 1",
 "local a, b, c = ... ; x = = 1",
 "do local x; goto l; end ::l:: goto l2 ::l3::",
 "while true do local x; goto cont; local y; ::cont:: end",
 "repeat local x; goto cont; ::cont:: local y until true",
 "if x then goto l end local y ::l:: print(y)",
 "::l:: goto l",
 "goto l local x ::l::",
 "goto l do ::l:: end",
 "x = 'abc\\",
 "x = \"\\u{7FFFFFFF}\" y = = 1",
 "x = \"\\u{7FFFFFFFF}\"",
 "x = '\\z\n\n\n' = 1",
 "x = 0x1P4 = 1",
 "x = 1e500 = 1",
 "x = 3.. 4",
 "x = 3 ..4",
 "x = 0x.1 = 1",
 "a.b.c, d[1], e:f() = 1",
 "f():g() = 1",
 "local a = 1 local function f() return a end a = 2 x y",
 "x = not not nil = 1",
 "return ... = 1",
 "local function f(...) local a = ... return ... end x = = 1",
 "return (...)",
 "x = {...}",
 "x = {[1] = 1, 2, 3, a = 4, ...} = 1",
 "local a <const> = 'x' .. 1",
 "local a <const> = 1; local b <const> = a; b = 2",
 "local a <const> = 1; local function f() return a end; a = 3",
 "local a <close> = f(); local function g() a = 1 end",
 "x = ''",
 "x = 'a\\tb\\nc\\\\d\\\"e\\'f'  y = = 1",
 "x = '\\65\\066\\0677' = 1",
 "x = '\\x41\\u{42}\\u{10FFFF}' = 1",
 "#!/usr/bin/lua\nx = = 1",
 "#\nx = = 1",
 "# comment only",
 "x = 1 -- comment\ny = = 2",
 "x = --[[ inline ]] = 1",
 "x = [==[\n]]]=]]==] y = = 1",
 "\239\187\191x = 1",
 "x = 1 ; ; ; y = = 1",
 "return;",
 "return; x = 1",
 "return 1 2",
 "local function f() return end f() = 1",
 "x = a.b.c.d.e.f = 1",
 "x = a[b][c] = 1",
 "x = a:b() = 1",
 "function t:a.b() end",
 "function t.a:b:c() end",
 "function 1() end",
 "local function t.a() end",
 "x = function() end()",
 "x = (function() end)() = 1",
 "f{} = 1",
 "f'' = 1",
 "f[[x]] = 1",
 "f.x'' 'y' [[z]] {} = 1",
 "x = y and z or w = 1",
 "x = - - - 1 = 1",
 "x = 2^-3^2 = 1",
 "x = 1 < 2 < 3",
 "x = 1 + {} = 1",
 "x = 'a' + 1 = 1",
 "x = 1 // 0 = 1",
 "x = 1 % 0 = 1",
 "x = 1 / 0 = 1",
 "x = ~1.5 = 1",
 "x = 1.5 | 1 = 1",
 "a, b, c = 1",
 "local a <const>, b <const> = 1",
 "local x <close>, y = 1, 2 x = 1",
}
for _, src in ipairs(extra) do record(src, "=t.lua") end
-- deep nesting: load() is called from the main chunk itself (each Lua call level in
-- between would take one more of Lua's 200 "C levels")
local deeps = {}
local function deep(src, name) deeps[#deeps + 1] = { src, name } end
for _, n in ipairs{150, 196, 197, 198, 300} do
  deep("return " .. string.rep("(", n) .. "1" .. string.rep(")", n), "=deep")
end
for _, n in ipairs{100, 195, 196, 197, 300} do
  deep(string.rep("do ", n) .. string.rep("end ", n), "=deep")
end
for _, n in ipairs{100, 196, 197, 198} do
  deep("x = " .. string.rep("{", n) .. string.rep("}", n), "=deep")
  deep("x = " .. string.rep("-", n) .. "1", "=deep")
  deep("x = " .. string.rep("f(", n) .. string.rep(")", n), "=deep")
  deep(string.rep("a,", n) .. "a = 1", "=deep")
  deep("x = 1" .. string.rep(" .. 1", n), "=deep")
  deep("x = " .. string.rep("function() return ", n) .. "1" .. string.rep(" end", n), "=deep")
  deep("x = 2" .. string.rep("^2", n), "=deep")
  deep(string.rep("if x then ", n) .. string.rep("end ", n), "=deep")
  deep(string.rep("::a:: ", n), "=deep")
end
for i = 1, #deeps do
  local f, msg = real_load(deeps[i][1], deeps[i][2], "t")
  if msg and msg:match("^C stack overflow") then msg = "C stack overflow" end
  cases[#cases + 1] = { src = deeps[i][1], name = deeps[i][2], msg = msg }
end
-- limits
local function locals(n) local t = {} for i = 1, n do t[i] = "a" .. i end return "local " .. table.concat(t, ",") end
record(locals(200), "=lim")
record(locals(201), "=lim")
record("function f()\n" .. locals(201) .. "\nend", "=lim")
local regs = {} for i = 1, 300 do regs[i] = "1" end
record("f(" .. table.concat(regs, ",", 1, 240) .. ")", "=lim")
record("f(" .. table.concat(regs, ",", 1, 260) .. ")", "=lim")
record("x = {" .. table.concat(regs, ",", 1, 300) .. "}", "=lim")
do
  local s = {}
  for i = 1, 260 do s[#s+1] = "local a" .. i .. " = " .. i .. "\n" .. (i % 150 == 0 and "do\n" or "") end
  local src = {"local t = {}"}
  for i = 1, 300 do src[#src+1] = "local u" .. i .. "; t[" .. i .. "] = function() return u" .. i .. " end" end
  record(table.concat(src, "\n"), "=lim")
  local up = {"local function outer()"}
  for i = 1, 256 do up[#up+1] = "local v" .. i end
  up[#up+1] = "return function() return "
  for i = 1, 256 do up[#up+1] = "v" .. i .. (i < 256 and " + " or "") end
  up[#up+1] = " end end"
  record(table.concat(up, "\n"), "=lim")
  local u = {"local function outer()"}
  for i = 1, 150 do u[#u+1] = "local v" .. i end
  u[#u+1] = "local function middle()"
  for i = 151, 300 do u[#u+1] = "local v" .. i end
  u[#u+1] = "return function() return "
  for i = 1, 300 do u[#u+1] = "v" .. i .. (i < 300 and " + " or "") end
  u[#u+1] = " end end end"
  record(table.concat(u, "\n"), "=lim")
end

local function rs(s)
  return (s:gsub('[%c"\\\127-\255]', function(c)
    return string.format("\\x%02x", c:byte())
  end))
end
out:write("// @generated by a lua5.4 script: load() results of Lua 5.4.4 for each source.\n")
out:write("// (source, chunk name, expected error message or None if it compiles)\n")
out:write("pub(super) const CASES: &[(&[u8], &[u8], Option<&str>)] = &[\n")
for _, c in ipairs(cases) do
  local msg = c.msg and ('Some("' .. rs(c.msg) .. '")') or "None"
  out:write('    (b"', rs(c.src), '", b"', rs(c.name), '", ', msg, "),\n")
end
out:write("];\n")
