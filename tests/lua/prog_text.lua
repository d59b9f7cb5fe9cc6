-- text processing: word wrap, justification, caesar cipher, run-length encoding

local text = [[Lua is a powerful, efficient, lightweight, embeddable scripting language.
It supports procedural programming, object-oriented programming, functional programming,
data-driven programming, and data description.]]

local function wrap(s, width)
  local lines, line = {}, ""
  for word in s:gmatch("%S+") do
    if #line == 0 then line = word
    elseif #line + 1 + #word <= width then line = line .. " " .. word
    else lines[#lines + 1] = line line = word end
  end
  if #line > 0 then lines[#lines + 1] = line end
  return lines
end
for _, l in ipairs(wrap(text, 30)) do print(string.format("|%-30s|", l)) end
for _, l in ipairs(wrap(text, 40)) do print(string.format("|%40s|", l)) end

local function center(s, w)
  local pad = w - #s
  local left = pad // 2
  return (" "):rep(left) .. s .. (" "):rep(pad - left)
end
print("[" .. center("title", 21) .. "]", "[" .. center("ab", 7) .. "]")

local function caesar(s, k)
  return (s:gsub("%a", function(c)
    local base = c:match("%l") and 97 or 65
    return string.char((c:byte() - base + k) % 26 + base)
  end))
end
local secret = caesar("Hello, World! xyz", 3)
print(secret, caesar(secret, -3), caesar("abc", 26 * 5 + 1))

local function rle(s)
  local out = {}
  local i = 1
  while i <= #s do
    local c = s:sub(i, i)
    local j = i
    while s:sub(j + 1, j + 1) == c do j = j + 1 end
    out[#out + 1] = (j - i + 1) .. c
    i = j + 1
  end
  return table.concat(out)
end
local function unrle(s) return (s:gsub("(%d+)(%D)", function(n, c) return c:rep(tonumber(n)) end)) end
local r = rle("WWWWWWWWWWWWBWWWWWWWWWWWWBBBWWWWWWWWWWWWWWWWWWWWWWWWBWWWWWWWWWWWWWW")
print(r, unrle(r) == "WWWWWWWWWWWWBWWWWWWWWWWWWBBBWWWWWWWWWWWWWWWWWWWWWWWWBWWWWWWWWWWWWWW")

-- counting characters, words, lines
local _, nlines = text:gsub("\n", "")
local _, nwords = text:gsub("%S+", "")
local vowels = select(2, text:lower():gsub("[aeiou]", ""))
print(#text, nlines + 1, nwords, vowels)

-- title case and snake case
print((("the quick brown fox"):gsub("(%a)(%a*)", function(a, b) return a:upper() .. b end)))
print((("HelloWorldFooBar"):gsub("(%l)(%u)", "%1_%2"):lower()))
-- palindromes
local function ispal(s) s = s:lower():gsub("[^%a]", "") return s == s:reverse() end
print(ispal("A man, a plan, a canal: Panama"), ispal("telelua"), ispal("No 'x' in Nixon"))
-- string builder with table.concat
local sb = {}
for i = 1, 20 do sb[#sb + 1] = string.format("%02d", i) end
print(table.concat(sb, ":"))
