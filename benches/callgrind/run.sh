#!/bin/sh
# Instruction counts (valgrind --tool=callgrind) of scaled-down versions of the programs in
# benches/lua/ (made here by the substitutions below, so each program is written once):
# `benches/callgrind/run.sh target/release/telelua [names...]`, and the same with
# `/usr/bin/lua5.4`. Prints "name instructions" per program. `SCALED_ONLY=DIR` writes the
# scaled-down programs to DIR and stops. Named only (not in the default list):
# `coroutine_wrap` (benches/callgrind/coroutine_wrap.lua, `coroutine` through `coroutine.wrap`).
bin=$1; shift
src=$(dirname "$0")/../lua
extra=$(dirname "$0")
scaled() {
  case $1 in
    binary_trees) echo 's/^local N = 12$/local N = 9/' ;;
    closures) echo 's/^for i = 1, 3000000 do/for i = 1, 300000 do/; s/^for round = 1, 6000 do/for round = 1, 600 do/' ;;
    coroutine|coroutine_wrap) echo 's/^  for i = 1, 50000 do/  for i = 1, 5000 do/' ;;
    fannkuch) echo 's/^for _ = 1, 6 do/for _ = 1, 1 do/' ;;
    fib) echo 's/^return fib(32)$/return fib(24)/' ;;
    loop) echo 's/^for i = 1, 3000 do/for i = 1, 600 do/; s/^  for j = 1, 3000 do/  for j = 1, 600 do/' ;;
    mandelbrot) echo 's/^local n, maxiter = 500, 100/local n, maxiter = 120, 100/' ;;
    nbody) echo 's/^for _ = 1, 100000 do/for _ = 1, 10000 do/' ;;
    oop) echo 's/^for i = 1, 300000 do/for i = 1, 30000 do/' ;;
    pairs_churn) echo 's/^for round = 1, 300 do/for round = 1, 30 do/' ;;
    patterns) echo 's/^for round = 1, 100 do/for round = 1, 10 do/' ;;
    sort) echo 's/^for round = 1, 2 do/for round = 1, 1 do/; s/^  for i = 1, 50000 do/  for i = 1, 5000 do/' ;;
    strings|table_array|table_lib) echo 's/^for round = 1, 30 do/for round = 1, 3 do/' ;;
    table_hash) echo 's/^for round = 1, 20 do/for round = 1, 2 do/; s/^for i = 1, 300000 do/for i = 1, 30000 do/' ;;
    *) echo "no scaled-down version of $1" >&2; return 1 ;;
  esac
}
names="$*"
[ -z "$names" ] && names="binary_trees closures coroutine fannkuch fib loop mandelbrot nbody oop pairs_churn patterns sort strings table_array table_hash table_lib"
dir=${SCALED_ONLY:-${TMPDIR:-/tmp}/callgrind.$$}
mkdir -p "$dir"
for n in $names; do
  file="$src/$n.lua"
  [ -f "$file" ] || file="$extra/$n.lua"
  sed "$(scaled "$n")" "$file" > "$dir/$n.lua" || exit 1
done
[ -n "$SCALED_ONLY" ] && exit 0
for n in $names; do
  valgrind --tool=callgrind --callgrind-out-file="$dir/out" "$bin" "$dir/$n.lua" >/dev/null 2>"$dir/err"
  echo "$n $(grep -o 'Collected : [0-9]*' "$dir/err" | awk '{print $3}')"
done
rm -rf "$dir"
