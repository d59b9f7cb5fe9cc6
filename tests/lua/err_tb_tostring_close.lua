-- uncaught error object with __tostring: the message handler runs before __close handlers
local t <close> = setmetatable({}, {__close = function() print("closing") end})
local obj = setmetatable({}, {__tostring = function() print("tostring"); return "custom message" end})
error(obj)
