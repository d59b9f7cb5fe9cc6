-- collectgarbage: every option and its results (lua.c starts in generational mode)

print("isrunning", collectgarbage("isrunning"))
print("incremental", collectgarbage("incremental"))
print("generational", collectgarbage("generational"))
print("generational", collectgarbage("generational"))
print("incremental", collectgarbage("incremental"))
print("incremental", collectgarbage("incremental"))

print("collect", collectgarbage("collect"), collectgarbage())
print("count is a number", math.type(collectgarbage("count")))

-- setpause/setstepmul return the previous value (Lua's defaults 200 and 100)
print("setpause", collectgarbage("setpause", 150), collectgarbage("setpause", 200))
print("setstepmul", collectgarbage("setstepmul", 400), collectgarbage("setstepmul", 100))
print("setpause default arg", collectgarbage("setpause"), collectgarbage("setpause", 200))

-- stop/restart
print("stop", collectgarbage("stop"))
print("isrunning", collectgarbage("isrunning"))
-- a step with a large size completes a cycle even when stopped
print("step", collectgarbage("step", 100000))
print("isrunning", collectgarbage("isrunning"))
print("restart", collectgarbage("restart"))
print("isrunning", collectgarbage("isrunning"))

-- a step large enough for the whole heap finishes a cycle (how many small steps a cycle
-- takes depends on when the collector's cycle started, which snapshots change)
collectgarbage()
local before = collectgarbage("count")
do local t = {} for i = 1, 100 do t[i] = {} end end
print("big step", collectgarbage("step", 1000000), collectgarbage("count") < before + 10)

-- a step while stopped does not restart the collector
collectgarbage("stop")
collectgarbage("step", 0)
print("still stopped", collectgarbage("isrunning"))
collectgarbage("restart")

-- full collections free memory: the count goes back after garbage is dropped
collectgarbage()
local base = collectgarbage("count")
local big = {}
for i = 1, 200 do big[i] = {i} end
local grown = collectgarbage("count")
big = nil
collectgarbage()
print("count grows and shrinks", grown > base + 5, collectgarbage("count") < base + 1)

-- invalid options
print(pcall(collectgarbage, "bogus"))
print(pcall(collectgarbage, 1))
print(pcall(collectgarbage, "step", "x"))
