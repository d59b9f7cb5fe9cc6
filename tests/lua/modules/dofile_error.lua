-- run by pkg_dofile_frame.lua: a runtime error inside a dofile
local t = nil
return t.field
