-- uncaught error object whose __tostring raises an error itself
local obj = setmetatable({}, {__tostring = function() error("inner") end})
local function thrower() error(obj) end
thrower()
