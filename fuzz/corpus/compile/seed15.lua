-- method definitions and calls

local Account = {balance = 0}
function Account.new(b) return setmetatable({balance = b}, {__index = Account}) end
function Account:deposit(v) self.balance = self.balance + v return self end
function Account:get() return self.balance end
local a = Account.new(100)
a:deposit(50):deposit(25)
print(a:get(), a.get(a), Account.get(a))

-- nested method names
local obj = {inner = {deep = {}}}
function obj.inner.deep:who() return self == obj.inner.deep end
function obj.inner.deep.plain(x) return x end
print(obj.inner.deep:who(), obj.inner.deep.plain(7))

-- method call on a string expression and call with table/string args
print(("abc"):len())
local function id(x) return x end
print(id"string arg", id{1, 2}[2], id[[long]])
local o = {}
function o:m(t) return t[1] end
print(o:m{42})
function o:s(str) return str:upper() end
print(o:s"hi")

-- self is just the first parameter
local t = {name = "t"}
function t.f(self, x) return self.name .. x end
print(t:f("!"), t.f(t, "?"))

-- method call evaluates the object once
local evals = 0
local function getobj() evals = evals + 1 return a end
getobj():deposit(1)
print(evals, a:get())

-- varargs methods
function o:va(...) return select('#', ...), ... end
print(o:va(1, 2, 3))
