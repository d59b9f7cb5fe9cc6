-- uncaught error raised inside a line hook
local n = 0
debug.sethook(function(e, l)
  n = n + 1
  if n == 3 then error("from hook") end
end, "l")
local a = 1
local b = 2
local c = 3
