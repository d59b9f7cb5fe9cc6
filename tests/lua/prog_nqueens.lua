-- n-queens: count solutions and print the first one

local function solve(n)
  local cols, d1, d2 = {}, {}, {}
  local board = {}
  local count, first = 0, nil
  local function place(r)
    if r > n then
      count = count + 1
      if not first then first = {table.unpack(board)} end
      return
    end
    for c = 1, n do
      if not cols[c] and not d1[r + c] and not d2[r - c + n] then
        cols[c], d1[r + c], d2[r - c + n] = true, true, true
        board[r] = c
        place(r + 1)
        cols[c], d1[r + c], d2[r - c + n] = nil, nil, nil
      end
    end
  end
  place(1)
  return count, first
end

for n = 1, 8 do
  local count, first = solve(n)
  print(n, count, first and table.concat(first, ",") or "-")
end

local _, sol = solve(8)
for r = 1, 8 do
  local row = {}
  for c = 1, 8 do row[c] = sol[r] == c and "Q" or "." end
  print(table.concat(row, " "))
end

-- bitmask version for n = 10
local function bits(n)
  local all = (1 << n) - 1
  local function go(cols, ld, rd)
    if cols == all then return 1 end
    local total = 0
    local avail = all & ~(cols | ld | rd)
    while avail ~= 0 do
      local bit = avail & -avail
      avail = avail ~ bit
      total = total + go(cols | bit, ((ld | bit) << 1) & all, (rd | bit) >> 1)
    end
    return total
  end
  return go(0, 0, 0)
end
print("bitmask", bits(6), bits(8))
