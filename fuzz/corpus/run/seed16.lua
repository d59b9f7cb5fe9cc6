-- error positions name the chunk and line

local function where(f) local ok, e = pcall(f) return e end
print(where(function() error("a") end))
print(where(function()
  local x = 1
  error("b")
end))
print(where(function() local t = nil
  return
    t.x
end))
-- multiline expressions: the line of the failing operation
print(where(function()
  local a = 1
  local b = nil
  return a +
         b
end))
print(where(function()
  local s = "x"
  return s
    ..
    {}
end))
print(where(function()
  undefined_function(
    1,
    2
  )
end))
-- errors inside loaded chunks use their chunk names
print(pcall(load("error('in chunk')", "=mychunk")))
print(pcall(load("error('in chunk')", "@some/file.lua")))
print(pcall(load("error('in chunk')")))
print(pcall(load("\n\nerror('line 3')", "=lines")))
print(pcall(load("local t = nil\nreturn t.x", "=idx")))
-- error level 2 from a loaded chunk points into the caller
local checker = load("return function(v) if not v then error('check failed', 2) end end", "=checker")()
print(where(function()
  checker(false)  -- this line
end))
-- position of an error in a function defined in a string and called from here
local g = load("return function()\n  local x\n  return x.y\nend", "=g")()
print(pcall(g))
