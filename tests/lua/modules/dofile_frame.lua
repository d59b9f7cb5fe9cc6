-- run by pkg_dofile_frame.lua: dofile is a level of its own
local t = debug.getinfo(2, "Sn")
print(t.what, t.short_src, t.name, t.namewhat)
print(debug.traceback("inside dofile"))
local ok, y = pcall(coroutine.isyieldable)
return ..., select("#", ...), (...) == nil
