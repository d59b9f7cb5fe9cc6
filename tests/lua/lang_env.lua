-- _ENV: globals are fields of the _ENV upvalue/local

local print, tostring, setmetatable, pcall = print, tostring, setmetatable, pcall

x = "global x"
do
  local _ENV = {y = "y in custom env"}
  print(x, y)
  z = "set in custom env"
  print(z)
end
print(x, z)

-- a function closing over a local _ENV
local function make_sandbox(env)
  local _ENV = env
  return function() counter = (counter or 0) + 1 return counter end
end
local env1, env2 = {}, {}
local f1, f2 = make_sandbox(env1), make_sandbox(env2)
f1() f1() f2()
print(env1.counter, env2.counter, counter)

-- _ENV as a parameter
local function with_env(_ENV) return a + b end
print(with_env({a = 1, b = 2}))

-- _ENV with a metatable for defaults
local base = {greeting = "hello"}
do
  local _ENV = setmetatable({}, {__index = base})
  local msg = greeting .. " world"
  print(msg)
  greeting = "changed locally"
  print(greeting, base.greeting)
end

-- assigning nil to _ENV: global access errors
do
  local _ENV = nil
  print(pcall(function() return undefined_name end))
end

-- _ENV <const>
do
  local _ENV <const> = {value = 99}
  print(value)
end

-- the main chunk's _ENV is _G
print(_ENV == _G, _G.x)

-- changing _ENV inside a function affects only that scope
local function scoped()
  local _ENV = {result = "scoped"}
  return result
end
print(scoped(), result)

-- load with an env table and a chunk that assigns globals
local sandbox = {}
local chunk = load("a = 1; b = a + 1; return a + b", "=sandbox", "t", sandbox)
print(chunk(), sandbox.a, sandbox.b, a)

-- upvalue named _ENV in a loaded chunk can be inspected through a function that returns it
local getenv = load("return function() return _ENV end", "=getenv", "t", sandbox)()
print(getenv() == sandbox)

-- global function definitions go into _ENV
do
  local _ENV = {}
  function defined_here() return "defined" end
  print(defined_here ~= nil)
end
print(defined_here)
