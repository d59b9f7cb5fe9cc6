-- goto / label errors and other semantic compile errors

local function try(src)
  local f, msg = load(src)
  print(msg or "ok")
end

try("goto nowhere")
try("do goto inner end do ::inner:: end")
try("::l:: ::l::")
try("::l:: do ::l:: end")
try("goto f; local x; ::f:: print(x)")
try("do goto f; local x; ::f:: end")       -- ok: label at end of block
try("goto f; do local x end ::f::")       -- ok
try("local function g() goto out end ::out::")
try("for i = 1, 2 do goto continue; local y = 1; ::continue:: end")
try("repeat goto cont; local z = 1; ::cont:: until z")
try("while true do goto done end ::done::")
try("goto 1")
try("::1::")
try("::a: ")
try("local x <const> = 1; x = 2")
try("local x <const> = 1; function f() x = 2 end")
try("local x <close> = nil; x = nil")
try("local x <bad> = 1")
try("local a <close>, b <close> = nil, nil")
try("local a <const>, b = 1, 2; b = 3")
try("local a <const>, b = 1, 2; a = 3")
try("local function f(a <const>) end")
