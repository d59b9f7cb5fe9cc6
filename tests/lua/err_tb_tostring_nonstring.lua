-- uncaught error object whose __tostring returns a non-string; __close still runs after it
local t <close> = setmetatable({}, {__close = function() print("closed") end})
local obj = setmetatable({}, {__tostring = function() print("tostring called"); return 42 end})
error(obj)
