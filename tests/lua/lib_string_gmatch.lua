-- string.gmatch

local words = {}
for w in ("the quick brown fox"):gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, "|"))

for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do io.write(k, "->", v, " ") end
print()

-- empty matches
local n = 0
for m in ("abc"):gmatch("") do n = n + 1 end
print("empty matches", n)
local parts = {}
for m in ("abc"):gmatch("x*") do parts[#parts + 1] = "[" .. m .. "]" end
print(table.concat(parts))
parts = {}
for m in ("a,b,,c"):gmatch("([^,]*)") do parts[#parts + 1] = "[" .. m .. "]" end
print(table.concat(parts))

-- position captures
for p in ("hello"):gmatch("()l") do io.write(p, " ") end
print()

-- anchor in gmatch matches only at the start (5.4)
parts = {}
for m in ("aaa"):gmatch("^a") do parts[#parts + 1] = m end
print(#parts)

-- init argument (5.4)
parts = {}
for m in ("one two three"):gmatch("%a+", 5) do parts[#parts + 1] = m end
print(table.concat(parts, ","))
parts = {}
for m in ("one two three"):gmatch("%a+", -5) do parts[#parts + 1] = m end
print(table.concat(parts, ","))

-- numbers
local sum = 0
for d in ("10 20 30 -5"):gmatch("-?%d+") do sum = sum + tonumber(d) end
print(sum)

-- lines
local lines = {}
for line in ("first\nsecond\n\nfourth"):gmatch("([^\n]*)\n?") do lines[#lines + 1] = "<" .. line .. ">" end
print(table.concat(lines))

-- the iterator can be called manually
local it = ("x1y2"):gmatch("%a(%d)")
print(it(), it(), it())

-- gmatch over a string with zeros
local count = 0
for z in ("a\0b\0c"):gmatch("%Z+") do count = count + 1 end
print(count)
