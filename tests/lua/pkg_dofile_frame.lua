-- dofile calls the chunk with a frame of its own (debug.getinfo, tracebacks) and
-- passes a yield through (it has a continuation in Lua 5.4)
print(dofile("modules/dofile_frame.lua"))
local co = coroutine.wrap(function() return dofile("modules/dofile_yield.lua") end)
print(co())
print(co("resumed"))
-- an error inside the file shows dofile's level in the traceback
print(select(2, xpcall(dofile, debug.traceback, "modules/dofile_error.lua")))
