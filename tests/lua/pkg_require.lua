-- package and require in the standalone profile.
package.path = "./?.lua;./modules/?.lua"
package.cpath = "./?.so"

print(type(package.loaded), package.loaded._G == _G, package.loaded.string == string)
for _, n in ipairs{"table", "math", "utf8", "coroutine", "os", "io", "debug", "package"} do
  assert(package.loaded[n] == _G[n], n)
end
print(package.config == "/\n;\n?\n!\n-\n", type(package.preload), #package.searchers >= 2)
print(require("string") == string, select("#", require("string")))

-- a Lua module: returned value and loader data (the file name)
local m, where = require("modules.helper")
print(m.name, m.file, where, m.loads, m.greet("lua"))
local m2, extra = require("modules.helper")
print(m2 == m, extra, MOD_HELPER_LOADS)
print(package.loaded["modules.helper"] == m)

-- the second path entry
local h2, w2 = require("helper")
print(h2 ~= m, w2, MOD_HELPER_LOADS)

-- a first '#' line is skipped; line numbers stay right
print(require("shebang"))

-- preload
package.preload.pre = function(...)
  print("loading pre", ...)
  return nil
end
print(require("pre"))
print(package.loaded.pre)
package.preload.pre2 = function(name) package.loaded[name] = "set by loader" end
print(require("pre2"))
package.preload.pre3 = function() return false end
print(require("pre3"))

-- not found
print(pcall(require, "no.such.mod"))
-- syntax error in a module
local ok, err = pcall(require, "broken")
print(ok, err)
-- errors raised by the module itself propagate
package.preload.bad = function() error("boom") end
print(pcall(require, "bad"))
print(pcall(require))

-- custom searchers
table.insert(package.searchers, 1, function(name)
  if name:sub(1, 4) == "gen." then
    return function(n, d) return { n = n, d = d } end, "generated"
  end
  return "\n\tnot generated"
end)
local g, d = require("gen.x")
print(g.n, g.d, d)
print(pcall(require, "zzz"))
table.remove(package.searchers, 1)
local saved = package.searchers
package.searchers = nil
print(pcall(require, "zzz"))
package.searchers = saved
package.path = nil
print(pcall(require, "zzz"))
package.path = "./?.lua;./modules/?.lua"

-- searchpath
print(package.searchpath("modules.helper", "./?.lua"))
print(package.searchpath("a.b.c", "x/?.lua;y/?.luac"))
print(package.searchpath("a_b", "?.x", "_", "-"))
print(package.searchpath("a.b", "?;??", ""))

-- loadfile and dofile
local f = loadfile("modules/helper.lua")
print(type(f), f("lf", "file").name)
print(loadfile("modules/nonexistent.lua"))
print(loadfile("modules/broken.lua"))
print(pcall(dofile, "modules/nonexistent.lua"))
print(select("#", dofile("modules/shebang.lua")))
local env = { select = select, debug = 1 }
print(loadfile("modules/shebang.lua", "t", env)("x"))
print(loadfile("modules/shebang.lua", "b"))
