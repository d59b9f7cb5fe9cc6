-- LZW compression and base64 encoding

local function compress(s)
  local dict, size = {}, 256
  for i = 0, 255 do dict[string.char(i)] = i end
  local w, out = "", {}
  for c in s:gmatch(".") do
    local wc = w .. c
    if dict[wc] then w = wc
    else
      out[#out + 1] = dict[w]
      dict[wc] = size
      size = size + 1
      w = c
    end
  end
  if w ~= "" then out[#out + 1] = dict[w] end
  return out
end

local function decompress(codes)
  local dict, size = {}, 256
  for i = 0, 255 do dict[i] = string.char(i) end
  local w = dict[codes[1]]
  local out = {w}
  for i = 2, #codes do
    local k = codes[i]
    local entry = dict[k] or (k == size and w .. w:sub(1, 1)) or error("bad code " .. k)
    out[#out + 1] = entry
    dict[size] = w .. entry:sub(1, 1)
    size = size + 1
    w = entry
  end
  return table.concat(out)
end

local samples = {
  "TOBEORNOTTOBEORTOBEORNOT",
  ("abc"):rep(20),
  "",
  "a",
  "the rain in spain stays mainly in the plain",
}
for _, s in ipairs(samples) do
  local c = compress(s)
  local ok = #s == 0 and #c == 0 or decompress(c) == s
  print(#s, #c, ok, table.concat(c, ",", 1, math.min(#c, 12)))
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64encode(data)
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({"", "==", "="})[#data % 3 + 1])
end
local function b64decode(data)
  data = data:gsub("[^" .. b64chars .. "=]", "")
  return (data:gsub(".", function(x)
    if x == "=" then return "" end
    local r, f = "", (b64chars:find(x, 1, true) - 1)
    for i = 6, 1, -1 do r = r .. (f % 2 ^ i - f % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end):gsub("%d%d%d?%d?%d?%d?%d?%d?", function(x)
    if #x ~= 8 then return "" end
    local c = 0
    for i = 1, 8 do c = c + (x:sub(i, i) == "1" and 2 ^ (8 - i) or 0) end
    return string.char(c)
  end))
end
for _, s in ipairs({"", "f", "fo", "foo", "foob", "fooba", "foobar", "Lua\0\255bytes"}) do
  local e = b64encode(s)
  print(string.format("%q", s), e, b64decode(e) == s)
end
