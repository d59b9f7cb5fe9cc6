-- Golden snapshot: saved while the main chunk waits inside a table.sort comparator called
-- through an __lt metamethod chain, with a pending to-be-closed variable, an xpcall handler
-- frame below, a vararg frame and a generic for loop in progress.
local pause = coroutine.yield
local mt = {__close = function(o, e) print("closing", o.name, e) end}

local Item = {}
Item.__index = Item
Item.__lt = function(a, b)
  if not Item.paused then
    Item.paused = true
    pause("in sort")
  end
  return a.key < b.key
end
local items = {}
for i, k in ipairs({5, 3, 1, 4, 2}) do items[i] = setmetatable({key = k, name = "i" .. k}, Item) end

local function sorted(...)
  local guard <close> = setmetatable({name = "guard"}, mt)
  local n, lists = select("#", ...), {...}
  local ok, res = xpcall(function()
    for _, list in ipairs(lists) do
      table.sort(list, function(a, b) return a < b end)
    end
    return n
  end, function(m) return "handler: " .. m end)
  return ok, res
end

print("sorted", sorted(items, {}))
local names = {}
for i, it in ipairs(items) do names[i] = it.name end
print(table.concat(names, " "))
-- Sorting again with a comparator that raises: the handler sees it, __close runs.
print(pcall(sorted, {setmetatable({key = 2}, Item), setmetatable({key = 1}, {__lt = function() error("bad compare") end})}))
