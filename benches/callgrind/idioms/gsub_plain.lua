-- `gsub` of a one-character pattern on a short string.
local n = 0 for i = 1, 20000 do local s = ("a,b,c"):gsub(",", ";") n = n + #s end print(n)
