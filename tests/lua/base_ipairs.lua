-- ipairs

for i, v in ipairs({"a", "b", "c"}) do io.write(i, "=", v, " ") end
print()
-- stops at the first nil
for i, v in ipairs({1, 2, nil, 4}) do io.write(i, " ") end
print()
for i, v in ipairs({}) do print("never") end
-- hash keys are ignored
for i, v in ipairs({1, 2, x = 3, [4] = 4}) do io.write(i, " ") end
print()
-- respects __index (5.4)
local proxy = setmetatable({}, {__index = function(_, i) if i <= 5 then return i * i end end})
for i, v in ipairs(proxy) do io.write(i, ":", v, " ") end
print()
local mixed = setmetatable({1, 2}, {__index = {nil, nil, 3, 4}})
for i, v in ipairs(mixed) do io.write(v, " ") end
print()
-- returns three values
local f, s, init = ipairs({})
print(type(f), type(s), init)
-- the iterator function can be called directly
local t = {"x", "y"}
print(f(t, 0), f(t, 1), f(t, 2))
-- modifying the table during iteration
local grow = {1, 2, 3}
local seen = {}
for i, v in ipairs(grow) do
  seen[#seen + 1] = v
  if i == 2 then grow[4] = 4 end
end
print(table.concat(seen, ","))
-- ipairs on a string errors only when indexing? strings have __index = string table
local ok, e = pcall(function() for i, v in ipairs("abc") do io.write(v) end end)
print(ok, e)
print(pcall(ipairs))
