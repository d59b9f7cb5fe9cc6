-- `tostring` of integers and floats.
local n = 0 for i = 1, 50000 do n = n + #tostring(i) + #tostring(i + 0.5) end print(n)
