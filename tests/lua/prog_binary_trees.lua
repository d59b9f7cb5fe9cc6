-- binary trees: allocation-heavy benchmark (small depth) plus a BST

local function bottom_up(depth)
  if depth == 0 then return {} end
  depth = depth - 1
  return {bottom_up(depth), bottom_up(depth)}
end
local function check(tree)
  if tree[1] then return 1 + check(tree[1]) + check(tree[2]) end
  return 1
end

local min_depth, max_depth = 4, 8
local stretch = bottom_up(max_depth + 1)
print("stretch tree of depth " .. (max_depth + 1) .. "\t check: " .. check(stretch))
local long_lived = bottom_up(max_depth)
for depth = min_depth, max_depth, 2 do
  local iters = 1 << (max_depth - depth + min_depth)
  local c = 0
  for i = 1, iters do c = c + check(bottom_up(depth)) end
  print(iters .. "\t trees of depth " .. depth .. "\t check: " .. c)
end
print("long lived tree of depth " .. max_depth .. "\t check: " .. check(long_lived))

-- binary search tree
local BST = {}
BST.__index = BST
function BST.new() return setmetatable({root = nil, size = 0}, BST) end
function BST:insert(k, v)
  local node = self.root
  if not node then self.root = {k = k, v = v} self.size = 1 return end
  while true do
    if k == node.k then node.v = v return
    elseif k < node.k then
      if node.l then node = node.l else node.l = {k = k, v = v} break end
    else
      if node.r then node = node.r else node.r = {k = k, v = v} break end
    end
  end
  self.size = self.size + 1
end
function BST:get(k)
  local node = self.root
  while node do
    if k == node.k then return node.v end
    node = k < node.k and node.l or node.r
  end
end
function BST:inorder()
  local out = {}
  local function walk(n) if n then walk(n.l) out[#out + 1] = n.k walk(n.r) end end
  walk(self.root)
  return out
end
function BST:height()
  local function h(n) if not n then return 0 end return 1 + math.max(h(n.l), h(n.r)) end
  return h(self.root)
end

local t = BST.new()
for _, w in ipairs({"m", "d", "t", "a", "h", "p", "z", "b", "e", "m", "q"}) do t:insert(w, w:upper()) end
print(t.size, t:height(), table.concat(t:inorder(), ""), t:get("h"), t:get("x"))
local nums = BST.new()
for i = 1, 1000 do nums:insert((i * 7919) % 1009, i) end
local ino = nums:inorder()
print(nums.size, nums:height(), ino[1], ino[#ino], nums:get(0), nums:get(1008))
