-- uncaught error with a table value that has __tostring
print("about to fail")
error(setmetatable({}, {__tostring = function() return "my custom error" end}))
