-- Float arithmetic: Mandelbrot set membership on a 500x500 grid, 100 iterations max.
local n, maxiter = 120, 100
local inside = 0
for py = 0, n - 1 do
  local ci = 2.0 * py / n - 1.0
  for px = 0, n - 1 do
    local cr = 2.5 * px / n - 2.0
    local zr, zi, k = 0.0, 0.0, 0
    while k < maxiter do
      local zr2, zi2 = zr * zr, zi * zi
      if zr2 + zi2 > 4.0 then break end
      zi = 2.0 * zr * zi + ci
      zr = zr2 - zi2 + cr
      k = k + 1
    end
    if k == maxiter then inside = inside + 1 end
  end
end
return inside
