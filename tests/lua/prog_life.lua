-- Conway's game of life on a small torus

local W, H = 12, 10
local function new() local g = {} for y = 1, H do g[y] = {} for x = 1, W do g[y][x] = 0 end end return g end
local function show(g, gen)
  print("generation " .. gen)
  for y = 1, H do
    local row = {}
    for x = 1, W do row[x] = g[y][x] == 1 and "#" or "." end
    print(table.concat(row))
  end
end
local function step(g)
  local n = new()
  for y = 1, H do
    for x = 1, W do
      local c = 0
      for dy = -1, 1 do
        for dx = -1, 1 do
          if dx ~= 0 or dy ~= 0 then
            c = c + g[(y + dy - 1) % H + 1][(x + dx - 1) % W + 1]
          end
        end
      end
      if c == 3 or (c == 2 and g[y][x] == 1) then n[y][x] = 1 end
    end
  end
  return n
end
local g = new()
-- a glider and a blinker
g[1][2], g[2][3], g[3][1], g[3][2], g[3][3] = 1, 1, 1, 1, 1
g[7][8], g[7][9], g[7][10] = 1, 1, 1
show(g, 0)
for gen = 1, 4 do g = step(g) end
show(g, 4)
for gen = 5, 12 do g = step(g) end
show(g, 12)
local counts = {}
for gen = 13, 24 do
  g = step(g)
  local alive = 0
  for y = 1, H do for x = 1, W do alive = alive + g[y][x] end end
  counts[#counts + 1] = alive
end
print("alive per generation 13..24: " .. table.concat(counts, " "))
