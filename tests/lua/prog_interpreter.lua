-- a tiny expression language: tokenizer, recursive-descent parser, tree-walking evaluator

local function tokenize(src)
  local toks, pos = {}, 1
  while pos <= #src do
    local c = src:sub(pos, pos)
    if c:match("%s") then pos = pos + 1
    elseif c:match("%d") then
      local num = src:match("^%d+%.?%d*", pos)
      toks[#toks + 1] = {k = "num", v = tonumber(num)}
      pos = pos + #num
    elseif c:match("[%a_]") then
      local id = src:match("^[%w_]+", pos)
      local kws = {let = true, ["in"] = true, ["if"] = true, ["then"] = true, ["else"] = true, fn = true}
      toks[#toks + 1] = {k = kws[id] and id or "id", v = id}
      pos = pos + #id
    else
      local two = src:sub(pos, pos + 1)
      if two == "==" or two == "<=" or two == "->" then toks[#toks + 1] = {k = two} pos = pos + 2
      elseif ("+-*/%()<=,"):find(c, 1, true) then toks[#toks + 1] = {k = c} pos = pos + 1
      else error("bad character '" .. c .. "' at " .. pos, 0) end
    end
  end
  toks[#toks + 1] = {k = "eof"}
  return toks
end

local function parse(src)
  local toks, i = tokenize(src), 1
  local function peek() return toks[i].k end
  local function take(k)
    if toks[i].k ~= k then error("expected " .. k .. " got " .. toks[i].k, 0) end
    i = i + 1
    return toks[i - 1]
  end
  local expr
  local function primary()
    local k = peek()
    if k == "num" then return {"num", take("num").v}
    elseif k == "id" then
      local node = {"var", take("id").v}
      while peek() == "(" do
        take("(")
        local args = {}
        if peek() ~= ")" then
          args[1] = expr()
          while peek() == "," do take(",") args[#args + 1] = expr() end
        end
        take(")")
        node = {"call", node, args}
      end
      return node
    elseif k == "(" then take("(") local e = expr() take(")") return e
    elseif k == "-" then take("-") return {"neg", primary()}
    elseif k == "let" then
      take("let") local name = take("id").v take("=") local val = expr() take("in")
      return {"let", name, val, expr()}
    elseif k == "if" then
      take("if") local c = expr() take("then") local a = expr() take("else")
      return {"if", c, a, expr()}
    elseif k == "fn" then
      take("fn") take("(")
      local params = {}
      if peek() == "id" then
        params[1] = take("id").v
        while peek() == "," do take(",") params[#params + 1] = take("id").v end
      end
      take(")") take("->")
      return {"fn", params, expr()}
    end
    error("unexpected " .. k, 0)
  end
  local function binary(next_level, ops)
    return function()
      local left = next_level()
      while ops[peek()] do
        local op = take(peek()).k
        left = {"bin", op, left, next_level()}
      end
      return left
    end
  end
  local mul = binary(primary, {["*"] = true, ["/"] = true, ["%"] = true})
  local add = binary(mul, {["+"] = true, ["-"] = true})
  local cmp = binary(add, {["<"] = true, ["<="] = true, ["=="] = true})
  expr = cmp
  local e = expr()
  take("eof")
  return e
end

local function eval(node, env)
  local tag = node[1]
  if tag == "num" then return node[2]
  elseif tag == "var" then
    local e = env
    while e do
      if e.vars[node[2]] ~= nil then return e.vars[node[2]] end
      e = e.parent
    end
    error("unbound variable " .. node[2], 0)
  elseif tag == "neg" then return -eval(node[2], env)
  elseif tag == "bin" then
    local a, b = eval(node[3], env), eval(node[4], env)
    local op = node[2]
    if op == "+" then return a + b elseif op == "-" then return a - b
    elseif op == "*" then return a * b elseif op == "/" then return a // b
    elseif op == "%" then return a % b elseif op == "<" then return a < b and 1 or 0
    elseif op == "<=" then return a <= b and 1 or 0 else return a == b and 1 or 0 end
  elseif tag == "let" then
    local newenv = {vars = {}, parent = env}
    newenv.vars[node[2]] = eval(node[3], newenv)  -- allows recursion through the new scope
    return eval(node[4], newenv)
  elseif tag == "if" then
    if eval(node[2], env) ~= 0 then return eval(node[3], env) end
    return eval(node[4], env)
  elseif tag == "fn" then return {params = node[2], body = node[3], env = env}
  elseif tag == "call" then
    local f = eval(node[2], env)
    if type(f) ~= "table" then error("calling a non-function", 0) end
    local newenv = {vars = {}, parent = f.env}
    for i, p in ipairs(f.params) do newenv.vars[p] = eval(node[3][i], env) end
    return eval(f.body, newenv)
  end
end

local function run(src)
  local ok, res = pcall(function() return eval(parse(src), {vars = {}}) end)
  print(src, "=>", ok and (type(res) == "table" and "<fn>" or res) or ("error: " .. res))
end

run("1 + 2 * 3")
run("(1 + 2) * 3")
run("10 / 3 + 10 % 3")
run("-4 + -(2 * 3)")
run("let x = 5 in x * x")
run("let x = 2 in let y = x + 1 in x * y")
run("if 1 < 2 then 10 else 20")
run("let f = fn(a, b) -> a * 10 + b in f(4, 2)")
run("let fact = fn(n) -> if n <= 1 then 1 else n * fact(n - 1) in fact(20)")
run("let fib = fn(n) -> if n < 2 then n else fib(n - 1) + fib(n - 2) in fib(15)")
run("let add = fn(a) -> fn(b) -> a + b in add(3)(4)")
run("let compose = fn(f, g) -> fn(x) -> f(g(x)) in let inc = fn(x) -> x + 1 in compose(inc, inc)(40)")
run("fn(x) -> x")
run("y + 1")
run("1 +")
run("1 $ 2")
run("let f = 3 in f(1)")
run("(1 == 1) + (2 <= 1) + (3 < 4)")
