-- pairs/next over a hash part that keeps changing: fields added, overwritten and cleared
-- between (and during, by assignment to existing keys) traversals.
local t = {}
local total = 0
for i = 1, 2000 do t["k" .. i] = i end
for round = 1, 30 do
  -- Clear some existing fields and update others while traversing (allowed by `next`).
  for k, v in pairs(t) do
    if v % 7 == round % 7 then t[k] = nil else t[k] = v + 1 end
    total = total + v
  end
  -- Refill: new keys and revived ones.
  for i = 1, 150 do t["k" .. ((round * 151 + i * 13) % 3000)] = i end
  total = total % 1000000007
end
local n = 0
for _ in pairs(t) do n = n + 1 end
return total * 10000 + n
