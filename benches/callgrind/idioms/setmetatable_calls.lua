-- Objects made by `setmetatable` and a method call.
local mt = {__index = {get = function(self) return self.v end}} local n = 0 for i = 1, 50000 do local o = setmetatable({v = i}, mt) n = n + o:get() end print(n)
