-- String methods through the string metatable (`s:sub`, `s:byte`, `s:upper`).
local s = "hello world" local n = 0 for i = 1, 50000 do n = n + #s:sub(2, 5) + s:byte(3) + #s:upper() end print(n)
