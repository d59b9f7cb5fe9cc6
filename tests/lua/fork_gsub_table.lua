-- gsub with a table replacement, looked up by the matched bytes without making a string.
-- In a lazy fork the table may still be in the image: the lookup must not allocate there
-- either, or the collector's counters (saved in every snapshot) would differ from an
-- uninterrupted run's (`--stats` prints a digest of the final state, which the snapshot
-- and fork tests compare; a full collection resets those counters, so none comes last).
local weak = setmetatable({}, {__mode = "k"})
local finalized = 0
for i = 1, 50 do
  weak[setmetatable({}, {__gc = function() finalized = finalized + 1 end})] = i
end
collectgarbage()
collectgarbage()
print("finalized", finalized)
local map = {a = "A", b = 1, c = false, ["xy"] = "XY"}
local meta = setmetatable({}, {__index = function(_, k) return k:upper() end})
local results = {}
for i = 1, 30 do
  local s = ("xa"):rep(i % 7) .. "bc" .. ("xy"):rep(i % 3)
  local r1, n1 = s:gsub("[abc]", map)
  local r2, n2 = s:gsub("xy", map)
  local r3, n3 = s:gsub("%a", meta, 3)
  results[#results + 1] = r1 .. " " .. n1 .. " " .. r2 .. " " .. n2 .. " " .. r3 .. " " .. n3
end
for i = 1, #results, 5 do print(results[i]) end
-- A table whose keys are positions (an empty capture).
local pos = {[1] = "<", [3] = "|"}
print(("abcd"):gsub("()", pos))
