-- proper tail calls

local function loop(n, acc)
  if n == 0 then return acc end
  return loop(n - 1, acc + 1)
end
print(loop(1000000, 0))

-- mutual tail recursion
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
print(is_even(100001), is_odd(100001))

-- tail call through a method
local obj = {count = 0}
function obj:step(n)
  if n == 0 then return self.count end
  self.count = self.count + 1
  return self:step(n - 1)
end
print(obj:step(100000))

-- tail call returning multiple values
local function multi(n, ...)
  if n == 0 then return ... end
  return multi(n - 1, ...)
end
print(multi(10000, "a", "b", "c"))

-- tail call to a varargs function
local function va(n, ...)
  if n == 0 then return select('#', ...) end
  return va(n - 1, n, ...)
end
print(va(100))

-- tail call through pcall is not a tail call but works
print(pcall(loop, 10, 5))

-- tail-calling a C function
local function tc(s) return string.upper(s) end
print(tc("tail"))

-- a tail call through __call
local callable = setmetatable({}, {__call = function(self, n)
  if n == 0 then return "done" end
  return self(n - 1)
end})
print(callable(10000))

-- parenthesised call is not a tail call (result truncated) but still works
local function paren(n) if n == 0 then return 1, 2 end return (paren(n - 1)) end
print(paren(100))
