-- an uncaught error still closes pending to-be-closed variables (output goes to stdout first).
-- Only the first line of the error object is printed: the standalone lua5.4 runs its traceback
-- message handler before unwinding, so there __close sees the message with a traceback appended.
local function res(name)
  return setmetatable({}, {__close = function(_, err)
    print("closing " .. name, err == nil and "no error" or tostring(err):match("^[^\n]*"))
  end})
end
local outer <close> = res("outer")
do
  local inner <close> = res("inner")
  print("in block")
end
local function fail()
  local deep <close> = res("deep")
  error("fatal problem")
end
fail()
print("never printed")
