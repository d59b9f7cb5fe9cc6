-- A first script: run it with `cargo run --release -- examples/hello.lua`.
local function greet(name)
  return "Hello, " .. name .. "!"
end

print(greet("telelua"))

-- Coroutines are first-class and stackless.
local gen = coroutine.wrap(function()
  for i = 1, 3 do coroutine.yield(i * i) end
end)
print(gen(), gen(), gen())
