-- a binary heap priority queue and Dijkstra's shortest paths

local Heap = {}
Heap.__index = Heap
function Heap.new(cmp) return setmetatable({n = 0, cmp = cmp or function(a, b) return a < b end}, Heap) end
function Heap:push(v)
  self.n = self.n + 1
  local i = self.n
  self[i] = v
  while i > 1 do
    local p = i // 2
    if self.cmp(self[i], self[p]) then self[i], self[p] = self[p], self[i] i = p else break end
  end
end
function Heap:pop()
  if self.n == 0 then return nil end
  local top = self[1]
  self[1] = self[self.n]
  self[self.n] = nil
  self.n = self.n - 1
  local i = 1
  while true do
    local l, r, m = 2 * i, 2 * i + 1, i
    if l <= self.n and self.cmp(self[l], self[m]) then m = l end
    if r <= self.n and self.cmp(self[r], self[m]) then m = r end
    if m == i then break end
    self[i], self[m] = self[m], self[i]
    i = m
  end
  return top
end

-- heap sort
local h = Heap.new()
for _, v in ipairs({5, 3, 9, 1, 7, 2, 8, 6, 4, 0, 5, 3}) do h:push(v) end
local out = {}
while h.n > 0 do out[#out + 1] = h:pop() end
print(table.concat(out, " "))

-- max heap of records with unique priorities
local mh = Heap.new(function(a, b) return a.pri > b.pri end)
for i, name in ipairs({"low", "high", "mid", "urgent", "none"}) do
  mh:push({name = name, pri = ({3, 8, 5, 10, 0})[i]})
end
out = {}
while mh.n > 0 do local t = mh:pop() out[#out + 1] = t.name .. "(" .. t.pri .. ")" end
print(table.concat(out, " "))

-- Dijkstra on a small graph
local graph = {
  A = {B = 7, C = 9, F = 14},
  B = {A = 7, C = 10, D = 15},
  C = {A = 9, B = 10, D = 11, F = 2},
  D = {B = 15, C = 11, E = 6},
  E = {D = 6, F = 9},
  F = {A = 14, C = 2, E = 9},
}
local function dijkstra(src)
  local dist, prev = {[src] = 0}, {}
  local pq = Heap.new(function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  pq:push({0, src})
  while pq.n > 0 do
    local d, u = table.unpack(pq:pop())
    if d == dist[u] then
      local nbrs = {}
      for v in pairs(graph[u]) do nbrs[#nbrs + 1] = v end
      table.sort(nbrs)
      for _, v in ipairs(nbrs) do
        local nd = d + graph[u][v]
        if dist[v] == nil or nd < dist[v] then dist[v] = nd prev[v] = u pq:push({nd, v}) end
      end
    end
  end
  return dist, prev
end
local dist, prev = dijkstra("A")
for _, v in ipairs({"A", "B", "C", "D", "E", "F"}) do
  local path, x = {}, v
  while x do table.insert(path, 1, x) x = prev[x] end
  print(v, dist[v], table.concat(path, "->"))
end

-- many random pushes/pops with the seeded generator keep the heap ordered
math.randomseed(99)
local big = Heap.new()
for i = 1, 500 do big:push(math.random(1, 1000)) end
local last, ok = -1, true
for i = 1, 500 do local v = big:pop() if v < last then ok = false end last = v end
print("ordered", ok, big:pop())
