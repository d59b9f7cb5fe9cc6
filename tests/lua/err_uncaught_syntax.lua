-- a script with a syntax error is never run
print("this line never runs")
local x = 1
if x then
  x = = 2
end
