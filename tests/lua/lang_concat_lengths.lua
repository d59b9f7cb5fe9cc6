-- Concatenations whose results are around the sizes built on the stack (96 bytes) and kept
-- inline in a string (22 bytes): the same strings either way.
for _, n in ipairs({0, 1, 21, 22, 23, 63, 64, 65, 95, 96, 97, 200}) do
  local a = string.rep("x", n // 2)
  local b = string.rep("y", n - n // 2)
  local s = a .. b
  local t = a .. 1 .. b .. 2.5 .. -7
  print(n, #s, s == string.rep("x", n // 2) .. string.rep("y", n - n // 2), #t, t:sub(-8))
end
