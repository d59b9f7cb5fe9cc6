-- more involved pattern usage

-- split
local function split(s, sep)
  local out = {}
  for piece in (s .. sep):gmatch("(.-)" .. sep:gsub("%p", "%%%0")) do out[#out + 1] = piece end
  return out
end
print(table.concat(split("a,b,,c", ","), "|"), #split("", ","), table.concat(split("x.y.z", "."), "|"))

-- trim variants
local function trim(s) return (s:gsub("^%s*(.-)%s*$", "%1")) end
print("[" .. trim("  a b  ") .. "]", "[" .. trim("") .. "]", "[" .. trim("   ") .. "]")

-- URL decoding / encoding
local function urlencode(s) return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", c:byte()) end)) end
local function urldecode(s) return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end
local enc = urlencode("hello world & friends/?=é")
print(enc, urldecode(enc))

-- word frequencies (sorted output)
local text = "the cat and the hat and the bat"
local freq = {}
for w in text:gmatch("%a+") do freq[w] = (freq[w] or 0) + 1 end
local ws = {}
for w in pairs(freq) do ws[#ws + 1] = w end
table.sort(ws, function(a, b) if freq[a] ~= freq[b] then return freq[a] > freq[b] end return a < b end)
for _, w in ipairs(ws) do io.write(w, "=", freq[w], " ") end
print()

-- template expansion with nested lookups
local ctx = {user = {name = "ana", id = 7}, site = "example"}
local tpl = "Hi {{user.name}} (#{{user.id}}) from {{site}}; {{missing.x}}"
print((tpl:gsub("{{([%w%.]+)}}", function(path)
  local v = ctx
  for part in path:gmatch("[^%.]+") do
    if type(v) ~= "table" then return "?" end
    v = v[part]
  end
  return v ~= nil and tostring(v) or "?"
end)))

-- CSV line with quoted fields
local function csv(line)
  local res, pos = {}, 1
  while true do
    if line:sub(pos, pos) == '"' then
      local txt, i = "", pos
      repeat
        local a, b = line:find('^%b""', i)
        txt = txt .. line:sub(a + 1, b - 1)
        i = b + 1
        if line:sub(i, i) == '"' then txt = txt .. '"' end
      until line:sub(i, i) ~= '"'
      res[#res + 1] = txt
      pos = i + 1
    else
      local a = line:find(",", pos, true)
      if a then res[#res + 1] = line:sub(pos, a - 1) pos = a + 1
      else res[#res + 1] = line:sub(pos) break end
    end
    if pos > #line + 1 then break end
  end
  return res
end
print(table.concat(csv('a,"b,c",d,"e ""q"" f",g'), "|"))

-- greedy vs lazy with backtracking
print(("aXbXc"):match("(.*)X(.*)"), ("aXbXc"):match("(.-)X(.*)"))
print(("<<a>><<b>>"):gsub("<<(.-)>>", "[%1]"))
-- anchored repeated captures
print(("  key1 = val1  "):match("^%s*(%S+)%s*=%s*(%S+)%s*$"))
-- %b with the same open/close characters
print(("|a|b|"):match("%b||"))
-- long subject, pathological-ish pattern that still finishes quickly
local long = ("a"):rep(30)
print(long:match("a-a-a-b"), #long:match("a*a*a*"))
-- frontier at string boundaries
print(("hello"):find("%f[%a]"), ("hello"):find("%f[%A]"), ("123abc"):find("%f[%a]"))
