-- string.gsub with every replacement kind

print(("hello world"):gsub("o", "0"))
print(("hello world"):gsub("o", "0", 1))
print(("hello world"):gsub("o", "0", 0))
print(("hello world"):gsub("", "-"))
print(("abc"):gsub(".", "%0%0"))
print(("hello world"):gsub("(%w+)", "<%1>"))
print(("hello world"):gsub("(%w+) (%w+)", "%2 %1"))
print(("abc"):gsub("b", "%%"))
print(("a.b"):gsub("%.", "%%."))
-- function replacement
print(("1 2 3"):gsub("%d", function(d) return d * 2 end))
print(("abc"):gsub("%w", function(c) if c == "b" then return nil end return c:upper() end))
print(("abc"):gsub("%w", function(c) if c == "b" then return false end return "X" end))
print(("x=1 y=2"):gsub("(%w)=(%w)", function(k, v) return v .. "=" .. k end))
print(("abc"):gsub("()", function(p) return p end))
-- table replacement
local vars = {name = "Lua", version = "5.4"}
print(("$name is version $version, $missing"):gsub("%$(%w+)", vars))
print(("a b c"):gsub("%w", {a = 1, b = true and "B"}))
print(("a b"):gsub("%w", {a = false}))
-- anchored pattern
print(("aaa"):gsub("^a", "b"))
print(("hello"):gsub("l*", "-"))
-- replacement with numbers
print(("abc"):gsub("b", 5))
print(("abc"):gsub("b", 1.5))
-- pattern special cases
print(("hello world from lua"):gsub("%s+", " "))
print(("  trim  "):gsub("^%s+", ""):gsub("%s+$", ""))
print(("camelCaseString"):gsub("(%u)", function(c) return "_" .. c:lower() end))
print(("%d"):gsub("%%d", "num"))
-- invalid replacements
print(pcall(string.gsub, "abc", "b", "%2"))
print(pcall(string.gsub, "abc", "(b)", "%9"))
print(pcall(string.gsub, "abc", "b", "%x"))
print(pcall(string.gsub, "abc", "b", {b = {}}))
print(pcall(string.gsub, "abc", "b", function() return {} end))
print(pcall(string.gsub, "abc", "b"))
print(pcall(string.gsub, "abc", "b", "x", -1))
-- %0 in a pattern with captures is the whole match
print(("k=v"):gsub("(%w)=(%w)", "[%0|%1|%2]"))
-- large counts
local big = ("ab"):rep(1000)
local r, n = big:gsub("a", "")
print(#r, n)
-- gsub with position capture as first capture for a table lookup
print(("abc"):gsub("()b", {[2] = "TWO"}))
