-- lua5.4 names the left operand of the failing pair unless it is a string or a number
-- (luaG_concaterror): `a .. b` with a table `a` blames `a`, whatever `b` is.
local a, b = {}, true
print(pcall(function() return a .. b end))
print(pcall(function() return "x" .. a .. b end))
print(pcall(function() return a .. "x" .. b end))
print(pcall(function() local p, q = {}, {} return p .. q end))
