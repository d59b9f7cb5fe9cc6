-- __call

local callable = setmetatable({name = "obj"}, {__call = function(self, a, b)
  return self.name, a, b
end})
print(callable(1, 2))
print(callable())
print(pcall(callable, "p"))

-- extra args and multiple returns
local va = setmetatable({}, {__call = function(self, ...) return select('#', ...), ... end})
print(va(nil, nil, 3))

-- a callable whose __call is itself a callable table (chained __call)
local inner = setmetatable({}, {__call = function(self, outer, x) return "inner got", type(outer), x end})
local chained = setmetatable({}, {__call = inner})
print(chained("arg"))

-- callable used as method
local obj = {m = setmetatable({}, {__call = function(self, o, x) return o.v + x end}), v = 10}
print(obj:m(5))

-- callables are accepted by pcall, but table.sort insists on a real function,
-- and gsub treats any table as a lookup table (even a callable one)
local cmp = setmetatable({}, {__call = function(_, a, b) return a > b end})
local arr = {3, 1, 2}
print(pcall(table.sort, arr, cmp))
local rep = setmetatable({hello = "HI"}, {__call = function(_, w) return w:upper() end})
print((string.gsub("hello world", "%w+", rep)))
print(pcall(cmp, 2, 1))

-- __call on non-callable metamethod value
local bad = setmetatable({}, {__call = 42})
print(pcall(bad))
local nocall = setmetatable({}, {})
print(pcall(nocall))

-- calling via tail call
local function tail(x) return callable(x) end
print(tail("t"))

-- a callable called inside a coroutine can yield (coroutine.wrap itself wants a function)
local gen = setmetatable({}, {__call = function(_, n) for i = 1, n do coroutine.yield(i) end return "end" end})
print(pcall(coroutine.wrap, gen))
local co = coroutine.wrap(function(n) return gen(n) end)
print(co(3), co(), co(), co())
