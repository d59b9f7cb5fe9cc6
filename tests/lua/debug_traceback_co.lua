-- debug.traceback of another coroutine (standalone profile).
local co = coroutine.create(function(a)
  local function inner() coroutine.yield(1) end
  inner()
end)
coroutine.resume(co)
print(debug.traceback(co))
print(debug.traceback(co, "msg"))
print(debug.traceback(co, "msg", 1))
print(debug.traceback(co, nil, 2))
print(debug.traceback(coroutine.create(print), "fresh"))
print(debug.traceback(co, {}) == nil, type(debug.traceback(co, {})))
local function f() return debug.traceback(coroutine.running(), "self", 1) end
print((f():gsub("\n[^\n]*$", "")))
