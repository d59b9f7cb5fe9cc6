#!/bin/sh
# Instruction counts (valgrind --tool=callgrind) of short scripts, one common idiom each
# (benches/callgrind/idioms/*.lua: `ipairs` and `next` loops, calls of library functions
# from loops, `pcall`, `select`, varargs, string methods, `#t`, ...), which the bench
# programs mix with other work: `benches/callgrind/idioms.sh target/release/telelua
# [names...]`, and the same with `/usr/bin/lua5.4`. Prints "name instructions" per script
# (start-up included: ~1 M instructions for either). `idioms.sh BIN LUA` prints both counts
# and their ratio.
bin=$1; shift
ref=""
case $1 in */*) ref=$1; shift ;; esac
dir=$(dirname "$0")/idioms
names="$*"
[ -z "$names" ] && names=$(ls "$dir" | sed -n 's/\.lua$//p')
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$dir/$2.lua" 2>&1 >/dev/null |
    sed -n 's/.*Collected : //p'
}
for n in $names; do
  a=$(count "$bin" "$n")
  if [ -n "$ref" ]; then
    b=$(count "$ref" "$n")
    echo "$n $a $b" | awk '{ printf "%s %d %d %.2f\n", $1, $2, $3, $2 / $3 }'
  else
    echo "$n $a"
  fi
done
