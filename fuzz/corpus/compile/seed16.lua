-- multiple results in every position

local function none() end
local function one() return 1 end
local function three() return 1, 2, 3 end

print(three())
print(three(), "x")
print("x", three())
print((three()))
print(none())
print(none(), "after none")
print("before", none())

-- table constructors
local t = {three()}
print(#t)
t = {three(), three()}
print(#t, t[1], t[2], t[3], t[4])
t = {three(), 10}
print(#t, t[1], t[2])
t = {(three())}
print(#t)
t = {none(), none()}
print(#t, t[1])
t = {x = three(), three()}
print(t.x, #t)

-- return positions
local function ret_all() return three() end
local function ret_paren() return (three()) end
local function ret_mid() return three(), 10 end
print(ret_all())
print(ret_paren())
print(ret_mid())

-- arguments
local function args(...) return select('#', ...) end
print(args(three()), args(three(), three()), args((three())), args(none()), args(none(), none()))

-- assignment
local a, b, c, d = three()
print(a, b, c, d)
a, b, c, d = three(), three()
print(a, b, c, d)
a, b, c, d = 0, three()
print(a, b, c, d)
a, b = none()
print(a, b)

-- in expressions, truncated
print(three() + three(), -three(), three() .. "", #{three()})

-- string.byte returns many
print(string.byte("hello", 1, -1))
print(select('#', string.byte("hello", 1, -1)))

-- method calls returning several values
local obj = {}
function obj:vals() return self, 1, 2 end
local s, x, y = obj:vals()
print(s == obj, x, y)

-- nested passing
local function wrap(...) return ... end
print(wrap(wrap(wrap(three()))))
print(args(wrap(none())))

-- in conditions (first value)
if three() == 1 then print("condition uses first") end

-- return in the middle of expression lists
local function tricky()
  return one(), three()
end
print(tricky())

-- varargs with nil holes preserved
local function holes() return nil, 2, nil end
print(args(holes()), holes())
