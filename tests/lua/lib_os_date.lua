-- os.date conversions (UTC, fixed instants) and os.time normalisation

local fmts = {"%a", "%A", "%b", "%B", "%c", "%C", "%d", "%D", "%e", "%F", "%g", "%G", "%h",
  "%H", "%I", "%j", "%m", "%M", "%n", "%p", "%r", "%R", "%S", "%t", "%T", "%u", "%U", "%V",
  "%w", "%W", "%x", "%X", "%y", "%Y", "%z", "%Z", "%%",
  "%Ec", "%EC", "%Ex", "%EX", "%Ey", "%EY", "%Od", "%Oe", "%OH", "%OI", "%Om", "%OM", "%OS",
  "%Ou", "%OU", "%OV", "%Ow", "%OW", "%Oy"}
local times = {0, 1, 59, 86399, 951782400, 1234567890, 1700000000, -1, -86400, -2208988800,
  253402300799, 1104537600, 1230768000, 1262217600, 1293753600, 1609372800, 4102444800,
  -62135596800, -62167219200, 1078012800, 1099958400}
for _, t in ipairs(times) do
  local parts = {}
  for i, f in ipairs(fmts) do parts[i] = os.date("!" .. f, t) end
  print(t, table.concat(parts, "|"))
end
-- literal text and mixed formats
print(os.date("!Date: %Y-%m-%d, time %H:%M:%S (%A) 100%%", 1234567890))
print(os.date("!", 0), os.date("!no conversions", 0))
-- *t tables
for _, t in ipairs({0, 951782400, -1, 253402300799, -62135596800}) do
  local d = os.date("!*t", t)
  print(t, d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
end
-- invalid specifiers
for _, f in ipairs({"%", "%E", "%Ez", "%O", "%Oa", "%k", "%s", "%P", "%+", "%5d", "abc%q"}) do
  print(f, pcall(os.date, f, 0))
end
print(pcall(os.date, "%Y", 1.5))
print(pcall(os.date, "!%Y", 2^60))
print(pcall(os.date, {}, 0))
-- os.time normalises every field and rewrites the table
local function norm(t)
  local r = os.time(t)
  return r, t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst
end
print(norm({year = 2000, month = 14, day = -3, hour = 25, min = -1, sec = 70}))
print(norm({year = 2021, month = 0, day = 0}))
print(norm({year = 2020, month = 2, day = 30, hour = 0}))
print(norm({year = 1970, month = 1, day = 1, hour = 0}))
print(norm({year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 58}))
print(norm({year = 1600, month = 1, day = 1}))
print(norm({year = "2001", month = 2.0, day = "3"}))
print(norm({year = 2000, month = 1, day = 1, isdst = false}))
print(norm({year = 2000, month = 1, day = 1, hour = 0, isdst = true}))
print(pcall(os.time, {year = 2000, month = 1, day = 1.5}))
print(pcall(os.time, {year = 2000, month = 1}))
print(pcall(os.time, {year = 2000, day = 1}))
print(pcall(os.time, {month = 1, day = 1}))
print(pcall(os.time, {year = 2^31 + 1900, month = 1, day = 1}))
print(pcall(os.time, {year = 2000, month = 2^31 + 5, day = 1}))
print(pcall(os.time, {year = 2000, month = 1, day = 1, hour = -2^31 - 1}))
print(pcall(os.time, {year = 1970, month = 1, day = 1, hour = 0, sec = -1}))
print(pcall(os.time, 5))
print(os.difftime(os.time({year = 2001, month = 1, day = 1}), os.time({year = 2000, month = 1, day = 1})))
print(pcall(os.difftime, 1))
print(pcall(os.difftime, 1.5, 1))
-- round trips through *t
for _, t in ipairs({0, 86400 * 366, 1234567890, -1234567890}) do
  local d = os.date("!*t", t)
  print(t, os.time(d) - t)
end
