-- a small JSON encoder and decoder

local json = {}

local escapes = {['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
                 ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t'}

local function is_array(t)
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  for i = 1, n do if t[i] == nil then return false end end
  return true, n
end

local function encode(v, out)
  local tv = type(v)
  if v == nil or v == json.null then out[#out + 1] = "null"
  elseif tv == "boolean" then out[#out + 1] = tostring(v)
  elseif tv == "number" then
    if v ~= v then error("cannot encode NaN") end
    if v == math.huge or v == -math.huge then error("cannot encode " .. tostring(v)) end
    if math.type(v) == "integer" then out[#out + 1] = tostring(v)
    else out[#out + 1] = string.format("%.14g", v) end
  elseif tv == "string" then
    out[#out + 1] = '"' .. v:gsub('[%c"\\]', function(c)
      return escapes[c] or string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif tv == "table" then
    local arr, n = is_array(v)
    if arr and n > 0 then
      out[#out + 1] = "["
      for i = 1, n do
        if i > 1 then out[#out + 1] = "," end
        encode(v[i], out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do
        if type(k) ~= "string" then error("object keys must be strings") end
        keys[#keys + 1] = k
      end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        encode(k, out)
        out[#out + 1] = ":"
        encode(v[k], out)
      end
      out[#out + 1] = "}"
    end
  else
    error("cannot encode a " .. tv)
  end
end

json.null = setmetatable({}, {__tostring = function() return "null" end})

function json.encode(v)
  local out = {}
  encode(v, out)
  return table.concat(out)
end

function json.decode(s)
  local pos = 1
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local function fail(msg) error(string.format("%s at position %d", msg, pos), 0) end
  local value
  local function str()
    pos = pos + 1
    local buf = {}
    while true do
      local c = s:sub(pos, pos)
      if c == "" then fail("unterminated string") end
      if c == '"' then pos = pos + 1 break end
      if c == "\\" then
        local e = s:sub(pos + 1, pos + 1)
        local map = {b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/"}
        if map[e] then buf[#buf + 1] = map[e] pos = pos + 2
        elseif e == "u" then
          local hex = s:match("^%x%x%x%x", pos + 2) or fail("bad unicode escape")
          buf[#buf + 1] = utf8.char(tonumber(hex, 16))
          pos = pos + 6
        else fail("bad escape") end
      else
        buf[#buf + 1] = c
        pos = pos + 1
      end
    end
    return table.concat(buf)
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      pos = pos + 1
      local obj = {}
      ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1 return obj end
      while true do
        ws()
        if s:sub(pos, pos) ~= '"' then fail("expected string key") end
        local k = str()
        ws()
        if s:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        obj[k] = value()
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "}" then return obj end
        if d ~= "," then fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      pos = pos + 1
      local arr = {}
      ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1 return arr end
      while true do
        arr[#arr + 1] = value()
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == "]" then return arr end
        if d ~= "," then fail("expected ',' or ']'") end
      end
    elseif c == '"' then return str()
    elseif s:find("^true", pos) then pos = pos + 4 return true
    elseif s:find("^false", pos) then pos = pos + 5 return false
    elseif s:find("^null", pos) then pos = pos + 4 return json.null
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      if not num or num == "" then fail("unexpected character '" .. c .. "'") end
      pos = pos + #num
      return math.tointeger(tonumber(num)) or tonumber(num)
    end
  end
  local v = value()
  ws()
  if pos <= #s then fail("trailing garbage") end
  return v
end

-- encoding
print(json.encode({1, 2, 3}))
print(json.encode({name = "telelua", version = 5.4, tags = {"vm", "lua"}, stable = false, none = json.null}))
print(json.encode("quote \" backslash \\ newline \n tab \t ctrl \1"))
print(json.encode({}), json.encode({{}, {{}}}), json.encode(0.5), json.encode(-12), json.encode(1e300))
print(pcall(json.encode, {1, 2, nil, 4}))
print(pcall(json.encode, {[{}] = 1}))
print(pcall(json.encode, 0/0))
print(pcall(json.encode, {-1/0}))
print(pcall(json.encode, print))

-- decoding
local doc = json.decode('{"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "d\\n\\u00e9"}, "e": ""}')
print(#doc.a, doc.a[1], doc.a[2], doc.a[3], doc.a[4], doc.a[5], doc.a[6] == json.null)
print(doc.b.c, doc.e == "")
print(json.encode(doc))

-- round trips
local samples = {
  '[]', '{}', '[[[]]]', '{"x":{"y":{"z":[1,{"w":null}]}}}', '"\\u0041\\u00e9"', '[1,-1,0.25,1e+20]',
}
for _, s in ipairs(samples) do
  local ok, v = pcall(json.decode, s)
  print(s, "->", ok and json.encode(v) or v)
end

-- errors
for _, bad in ipairs({'[1,2', '{"a" 1}', '{"a":1,}', '[1 2]', '"abc', 'tru', '[1]x', '{1:2}', '"\\q"'}) do
  print(bad, pcall(json.decode, bad))
end

-- a bigger document
local big = {}
for i = 1, 50 do big[i] = {id = i, name = "item" .. i, tags = {i % 2 == 0 and "even" or "odd"}, score = i / 4} end
local encoded = json.encode(big)
print(#encoded, encoded:sub(1, 80))
local decoded = json.decode(encoded)
print(#decoded, decoded[50].name, decoded[50].score, decoded[7].tags[1], json.encode(decoded) == encoded)
