-- a tiny stack-based bytecode VM with an assembler

local function assemble(src)
  local code, labels, fixups = {}, {}, {}
  for line in src:gmatch("[^\n]+") do
    line = line:gsub(";.*", ""):match("^%s*(.-)%s*$")
    if line ~= "" then
      local label = line:match("^(%w+):$")
      if label then labels[label] = #code + 1
      else
        local op, arg = line:match("^(%a+)%s*(%S*)$")
        code[#code + 1] = op
        if arg ~= "" then
          local n = tonumber(arg)
          if n then code[#code + 1] = n
          else code[#code + 1] = 0 fixups[#code] = arg end
        end
      end
    end
  end
  for pos, label in pairs(fixups) do code[pos] = assert(labels[label], "unknown label " .. label) end
  return code
end

local function run(code, trace)
  local stack, sp, pc, out, steps = {}, 0, 1, {}, 0
  local function push(v) sp = sp + 1 stack[sp] = v end
  local function pop() local v = stack[sp] stack[sp] = nil sp = sp - 1 return v end
  while true do
    steps = steps + 1
    local op = code[pc]
    pc = pc + 1
    if op == "push" then push(code[pc]) pc = pc + 1
    elseif op == "add" then local b, a = pop(), pop() push(a + b)
    elseif op == "sub" then local b, a = pop(), pop() push(a - b)
    elseif op == "mul" then local b, a = pop(), pop() push(a * b)
    elseif op == "dup" then push(stack[sp])
    elseif op == "swap" then stack[sp], stack[sp - 1] = stack[sp - 1], stack[sp]
    elseif op == "over" then push(stack[sp - 1])
    elseif op == "drop" then pop()
    elseif op == "jz" then local t = code[pc] pc = pc + 1 if pop() == 0 then pc = t end
    elseif op == "jmp" then pc = code[pc]
    elseif op == "print" then out[#out + 1] = tostring(pop())
    elseif op == "halt" then break
    else error("bad opcode " .. tostring(op) .. " at " .. (pc - 1)) end
    if trace and steps <= trace then print("  step", steps, op, "sp=" .. sp, "top=" .. tostring(stack[sp])) end
  end
  return table.concat(out, " "), steps
end

-- factorial of 10
local fact = assemble([[
  push 1      ; acc
  push 10     ; n
loop:
  dup
  jz done
  dup         ; acc n n
  swap        ; acc n n -> acc n n (no-op pair for testing)
  drop        ; acc n
  swap        ; n acc
  over        ; n acc n
  mul         ; n acc*n
  swap        ; acc n
  push 1
  sub
  jmp loop
done:
  drop
  print
  halt
]])
print(#fact, run(fact, 6))

-- countdown printing
local countdown = assemble([[
  push 5
top:
  dup
  print
  push 1
  sub
  dup
  jz end
  jmp top
end:
  halt
]])
print(run(countdown))

-- sum of 1..100
local sum = assemble([[
  push 0    ; sum
  push 100  ; n
loop:
  dup
  jz done
  swap      ; n sum
  over      ; n sum n
  add       ; n sum+n
  swap      ; sum+n n
  push 1
  sub
  jmp loop
done:
  drop
  print
  halt
]])
print(run(sum))
print(pcall(run, {"bogus"}))
print(pcall(assemble, "jmp nowhere"))
