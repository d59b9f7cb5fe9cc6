-- Hash part: insert and look up string keys, plus field access with constant keys.
local keys = {}
for i = 1, 20000 do keys[i] = "key" .. i end
local hits = 0
for round = 1, 2 do
  local t = {}
  for i = 1, #keys do t[keys[i]] = i end
  for i = #keys, 1, -1 do
    local v = t[keys[i]]
    if v == i then hits = hits + 1 end
  end
  for i = 1, #keys, 2 do t[keys[i]] = nil end
  for i = 1, #keys do if t[keys[i]] then hits = hits + 1 end end
end
local rec = { alpha = 1, beta = 2, gamma = 3, delta = 4 }
for i = 1, 30000 do
  rec.alpha = rec.beta + rec.gamma
  rec.delta = rec.alpha - i
  rec.beta, rec.gamma = rec.gamma, rec.beta
end
return hits + rec.alpha + rec.delta
