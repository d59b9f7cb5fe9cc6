-- Variable names in error messages when constant indices no longer fit in 8 bits.
local parts = {}
for i = 1, 300 do parts[i] = "a = 'k" .. i .. "'" end
local prefix = table.concat(parts, "; ") .. "; "
local function try(code)
  local f = assert(load(prefix .. code, "=many"))
  print(select(2, pcall(f)))
end
try("local t = {}; t:bbb()")
try("local t = {}; a = t.bbb + 1")
try("a = bbb + 1")
try("local t = {}; t.x.y = 1")
try("local t = setmetatable({}, {__index = function() return nil end}); t:ccc(1, 2)")
