-- lua.c runs the main chunk under its message handler: a load reader's error outside any
-- xpcall comes back from load with a traceback (or __tostring's string).
print(load(function() return {} end))
print(load(function() error("rerr") end))
print(load(function() error({}) end))
print(load(function() error(setmetatable({}, {__tostring = function() return "TS" end})) end))
print(load(function() error(setmetatable({}, {__tostring = function() return 42 end})) end))
print(load(function() error(setmetatable({}, {__tostring = function() return "TS" end, __metatable = false})) end))
print(load(function() error(12) end))
print(load(function() error(1.5) end))
print(load(function() error(nil) end))
print(load(function() error(setmetatable({}, {__tostring = function() error("inner") end})) end))
-- globals replaced: the handler keeps the library's functions
local saved = {type = type, tostring = tostring, debug = debug}
type, tostring, rawget = nil, nil, nil
debug = {traceback = function() return "fake" end}
print(load(function() return {} end))
type, tostring, debug = saved.type, saved.tostring, saved.debug
-- no handler inside a coroutine, a pcall, or another xpcall's handler in effect
local co = coroutine.wrap(function() print(load(function() return {} end)) end) co()
print(pcall(load, function() return {} end))
print(xpcall(load, function(m) return "H:" .. m end, function() return {} end))
local function f() return load(function() error("deep") end) end
print(f())
