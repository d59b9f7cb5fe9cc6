-- a script that ends with an uncaught runtime error
print("before the error")
local t = {}
print("still fine", #t)
local x = t.field.subfield
print("never printed")
