-- Pattern matching on short strings, line by line as parsers and formatters do: `match`
-- with captures, `find` with a pattern and plain, `gmatch` over words, `gsub` with a
-- template, a table and a function.
local lines = {}
for i = 1, 200 do
  lines[i] = string.format("key%d = value%d ; # comment %d", i, i * 7, i % 13)
end
local map = { a = "1", e = "2", o = "3" }
local total = 0
for round = 1, 100 do
  for i = 1, #lines do
    local line = lines[i]
    local k, v = line:match("^(%w+)%s*=%s*(%w+)")
    total = total + #k + #v
    local c = line:find("#", 1, true)
    local s, e = line:find("%d+", c)
    total = total + c + s + e
    for w in line:gmatch("%a+") do total = total + #w end
    local r, n = line:gsub("%s+", " ")
    total = total + #r + n
    r, n = k:gsub("[aeo]", map)
    total = total + #r + n
    r = v:gsub("%d", function(d) return d + 1 end)
    total = total + #r
  end
  total = total % 1000000007
end
return total
