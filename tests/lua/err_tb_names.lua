-- uncaught error through functions named in every way lua5.4 names them in a traceback
local function lf() error("boom") end
function gf() lf() end
local t = {}
function t.field() gf() end
function t:meth() t.field() end
local up = function() t:meth() end
local function usesup() up() end
local co = function(...) return usesup() end  -- tail call
co()
