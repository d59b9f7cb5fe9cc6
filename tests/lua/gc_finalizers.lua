-- finalizers (__gc): order, resurrection, running once, errors, what a finalizer sees.
-- Automatic collections may come at any point (and at other points after a snapshot
-- restore), and a stale register (a value a finished call left in the caller's frame) keeps
-- an object alive as in Lua. So objects whose finalizers are compared are made by `hold`,
-- which keeps them in the global HOLD only and resets its registers, and dropped by one
-- assignment right before a full collectgarbage().
local function hold(make)
  HOLD = make()
  local _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18,
    _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30 = nil
end

local log = {}
local function note(s) log[#log + 1] = s end
local function flush(label)
  print(label, table.concat(log, " "))
  log = {}
end

-- reverse order of marking, whatever the order of creation
local function make(names)
  local keep = {}
  for i, n in ipairs(names) do keep[i] = setmetatable({}, {__gc = function() note(n) end}) end
  return keep
end
hold(function()
  local t = {make({"a1", "a2"}), make({"b1", "b2"})}
  -- marking again does nothing for an object already marked
  setmetatable(t[1][1], getmetatable(t[1][1]))
  return t
end)
HOLD = nil
collectgarbage()
flush("order:")

-- marking follows setmetatable, not creation
hold(function()
  local t = {{}, {}}
  setmetatable(t[2], {__gc = function() note("y") end})
  setmetatable(t[1], {__gc = function() note("x") end})
  return t
end)
HOLD = nil
collectgarbage()
flush("marking order:")

-- __gc present at setmetatable time marks the object (even a non-function, whose call
-- fails and only warns); a field added later does not; the field is read when it runs
local mt1, mt2, mt3 = {}, {__gc = function() note("removed") end}, {__gc = true}
hold(function() return {setmetatable({}, mt1), setmetatable({}, mt2), setmetatable({}, mt3)} end)
mt1.__gc = function() note("added later") end
mt2.__gc = nil
mt3.__gc = function() note("replaced") end
HOLD = nil
collectgarbage()
flush("fields:")

-- resurrection, and a finalizer runs only once
local saved
held = setmetatable({name = "phoenix"}, {__gc = function(o) note("fin " .. o.name); saved = o end})
held = nil
collectgarbage()
flush("first:")
print("resurrected:", saved and saved.name)
saved = nil
collectgarbage()
flush("second:")

-- an object can be marked again by setmetatable after its finalizer ran
local remt
remt = {__gc = function(o)
  o.n = (o.n or 0) + 1
  note("run " .. o.n)
  if o.n < 3 then setmetatable(o, remt) end
end}
held = setmetatable({}, remt)
held = nil
collectgarbage(); collectgarbage(); collectgarbage(); collectgarbage()
flush("re-marked:")

-- errors in finalizers do not propagate; the other finalizers still run
hold(function()
  return {
    setmetatable({}, {__gc = function() note("after") end}),
    setmetatable({}, {__gc = function() error("boom") end}),
    setmetatable({}, {__gc = function() error({}) end}),
    setmetatable({}, {__gc = function() note("before") end}),
  }
end)
HOLD = nil
print("collect returns", collectgarbage())
flush("errors:")

-- inside a finalizer: collectgarbage fails, the main coroutine cannot yield, coroutines
-- can still be used
held = setmetatable({}, {__gc = function()
  note(tostring(collectgarbage("count")))
  note(tostring(collectgarbage()))
  note(tostring(collectgarbage("step")))
  note(tostring(coroutine.isyieldable()))
  note(tostring(select(2, pcall(coroutine.yield))))
  local co = coroutine.wrap(function() coroutine.yield("co ok") end)
  note(co())
end})
held = nil
collectgarbage()
flush("inside:")

-- in a coroutine: the finalizer runs there but cannot yield it
local co = coroutine.create(function()
  held = setmetatable({}, {__gc = function()
    note(tostring(coroutine.isyieldable()))
    note(select(2, pcall(coroutine.yield, 1)))
  end})
  held = nil
  collectgarbage()
  coroutine.yield("yielded")
  return "done"
end)
print(coroutine.resume(co))
print(coroutine.resume(co))
flush("in coroutine:")

-- debug.getinfo inside a finalizer names it as Lua does
held = setmetatable({}, {__gc = function()
  local i = debug.getinfo(1, "n")
  note(i.namewhat .. " " .. i.name)
end})
held = nil
collectgarbage()
flush("getinfo:")

-- weak values are cleared before finalization, weak keys after (Lua 5.1's 'bug' test)
local C = setmetatable({}, {__mode = "v"})
local C1 = setmetatable({}, {__mode = "k"})
do
  local t = {x = 10}
  C.key = t
  C1[t] = 1
  held = setmetatable({x = t}, {__gc = function()
    note(tostring(C.key == nil))
    note(type(next(C1)))
  end})
end
held = nil
collectgarbage()
flush("weak at finalization:")
collectgarbage()
print("after:", next(C), next(C1))

-- a finalizer that makes new finalizable objects: they wait for a later cycle
local children
held = setmetatable({}, {__gc = function()
  children = {}
  for i = 1, 3 do
    children[i] = setmetatable({}, {__gc = function() note("child" .. i) end})
  end
  note("parent")
end})
held = nil
collectgarbage()
flush("parent:")
children = nil
collectgarbage()
flush("children:")

-- finalizers of objects alive at the end run when the state closes, newest mark first
A = setmetatable({}, {__gc = function() print("closing A") end})
B = setmetatable({}, {__gc = function() print("closing B") end})
print("end")
