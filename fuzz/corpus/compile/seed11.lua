-- goto and labels

-- continue-style
for i = 1, 6 do
  if i % 2 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()

-- backward goto as a loop
local n = 0
::top::
n = n + 1
if n < 5 then goto top end
print("n", n)

-- breaking out of nested loops
for i = 1, 3 do
  for j = 1, 3 do
    if i * j == 4 then
      print("found", i, j)
      goto done
    end
  end
end
::done::

-- goto in while with continue label at end of block
local i = 0
while i < 10 do
  i = i + 1
  if i % 3 ~= 0 then goto cont end
  io.write(i, " ")
  ::cont::
end
print()

-- closures in a goto loop get fresh locals each time
local fns = {}
do
  local k = 1
  ::again::
  local v = k * 10
  fns[#fns + 1] = function() return v end
  k = k + 1
  if k <= 3 then goto again end
end
print(fns[1](), fns[2](), fns[3]())

-- repeat with continue
local m = 0
repeat
  m = m + 1
  if m == 2 then goto skip end
  io.write("m", m, " ")
  ::skip::
until m >= 4
print()

-- labels with the same name in sibling blocks
do
  goto a
  print("skipped")
  ::a::
  print("first block")
end
do
  goto a
  print("skipped too")
  ::a::
  print("second block")
end

-- a simple state machine
local state, out = "start", {}
::loop::
if state == "start" then out[#out + 1] = "S" state = "middle" goto loop
elseif state == "middle" then out[#out + 1] = "M" state = "end" goto loop
end
out[#out + 1] = "E"
print(table.concat(out))
