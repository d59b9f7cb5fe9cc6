-- A module used by pkg_require.lua (not a test by itself: it just returns a table).
local name, file = ...
local M = { name = name, file = file, loads = (MOD_HELPER_LOADS or 0) + 1 }
MOD_HELPER_LOADS = M.loads
function M.greet(who) return "hello, " .. who end
return M
