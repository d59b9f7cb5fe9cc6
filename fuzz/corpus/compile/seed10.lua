-- generic for

-- stateless iterator
local function iter(t, i)
  i = i + 1
  local v = t[i]
  if v ~= nil then return i, v end
end
for i, v in iter, {"a", "b", "c"}, 0 do print(i, v) end

-- closure-based iterator
local function range(n, step)
  step = step or 1
  local i = 0
  return function()
    i = i + step
    if i <= n then return i end
  end
end
for i in range(5) do io.write(i, " ") end
print()
for i in range(10, 3) do io.write(i, " ") end
print()

-- iterator returning several values
local function triples(n)
  return function(_, k)
    k = k + 1
    if k <= n then return k, k * k, k * k * k end
  end, nil, 0
end
for a, b, c in triples(4) do print(a, b, c) end

-- extra loop variables get nil
for a, b, c, d in ipairs({10, 20}) do print(a, b, c, d) end

-- ipairs and pairs over a sequence
local seq = {"x", "y", "z"}
for i, v in ipairs(seq) do print("ipairs", i, v) end
local n = 0
for k, v in pairs(seq) do n = n + 1 end
print("pairs count", n)

-- the fourth value: closing value
do
  local log = {}
  local closer = setmetatable({}, {__close = function(_, err) log[#log + 1] = "closed:" .. tostring(err) end})
  local function it(s, c)
    if c < 3 then return c + 1 end
  end
  for i in it, nil, 0, closer do log[#log + 1] = "i" .. i end
  print(table.concat(log, " "))
  log = {}
  for i in it, nil, 0, closer do
    log[#log + 1] = "i" .. i
    if i == 2 then break end
  end
  print("break:", table.concat(log, " "))
  log = {}
  local function g()
    for i in it, nil, 0, closer do
      if i == 1 then return "returned" end
    end
  end
  print(g(), table.concat(log, " "))
  log = {}
  print(pcall(function()
    for i in it, nil, 0, closer do error("boom", 0) end
  end), table.concat(log, " "))
end

-- modifying the control variable does not affect the iteration
for i, v in ipairs({1, 2, 3}) do
  i = i * 100
  io.write(i, "/", v, " ")
end
print()

-- a non-function iterator errors
print(pcall(function() for x in 42 do end end))
print(pcall(function() for x in nil do end end))

-- callable table as iterator
local callable = setmetatable({}, {__call = function(self, s, c)
  if c < 3 then return c + 1 end
end})
for i in callable, nil, 0 do io.write("c", i, " ") end
print()

-- nested generic loops with break
for i, a in ipairs({"p", "q"}) do
  for j, b in ipairs({"r", "s", "t"}) do
    if j == 3 then break end
    io.write(a, b, " ")
  end
end
print()
