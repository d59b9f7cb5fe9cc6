-- load

-- string chunk
local f = load("return 1 + 2")
print(f())
print(load("local a, b = ... return a * b")(6, 7))
-- syntax error returns nil + message
print(load("return +"))
-- chunk name in errors
print(pcall(load("error('x')", "=named")))
print(pcall(load("error('x')", "@path/to/file.lua")))
print(pcall(load("error('x')", "literal name")))
-- reader function returning pieces
local pieces = {"return ", "'pie", "ces'", " .. 1"}
local i = 0
local fr = load(function() i = i + 1 return pieces[i] end)
print(fr())
-- reader returning empty string ends the chunk
local done = false
print(load(function() if done then return "" end done = true return "return 'empty ends'" end)())
-- reader returning nil immediately: empty chunk
print(load(function() return nil end)())
-- reader with one char at a time
local src = "return 'char by char', 42"
local pos = 0
print(load(function() pos = pos + 1 if pos <= #src then return src:sub(pos, pos) end end)())
-- mode "t" accepts text, "b" refuses it
print(load("return 1", "m", "t")())
print(load("return 1", "m", "b"))
print(load("return 1", "m", "bt")())
-- env parameter
local env = {x = 10}
local fe = load("x = x + 1; return x, y", "env", "t", env)
print(fe())
print(env.x, x)
-- env of nil means no globals at all
local fn = load("return print", "nil env", "t", nil)
print(pcall(fn))
local fn2 = load("return tostring(1)", "nil env", "t", nil)
print(pcall(fn2))
-- the loaded function is a vararg function
print(load("return select('#', ...)")(1, 2, 3))
-- the first upvalue is _ENV
local fenv = load("return _ENV")
print(fenv() == _G)
-- load compiles but does not run
local ran = false
_G.ran_flag = false
local lazy = load("ran_flag = true")
print(ran_flag)
lazy()
print(ran_flag)
-- a chunk can define functions and return them
local lib = load([[
  local M = {}
  function M.double(n) return n * 2 end
  return M
]])()
print(lib.double(21))
-- load with a non-string, non-function errors
print(pcall(load))
print(pcall(load, {}))
-- binary chunks (starting with ESC) are rejected in text mode
print(load("\27Lua", "bin", "t"))
-- shebang lines are only skipped by the standalone loader, not by load
print(load("#!/bin/lua\nreturn 1"))
