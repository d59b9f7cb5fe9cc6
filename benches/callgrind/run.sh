#!/bin/sh
# Instruction counts (valgrind --tool=callgrind) of the scaled-down copies of benches/lua/
# in this folder: `benches/callgrind/run.sh target/release/telelua [names...]`, and the same
# with `/usr/bin/lua5.4`. Prints "name instructions" per program.
bin=$1; shift
dir=$(dirname "$0")
names="$*"; [ -z "$names" ] && names=$(cd "$dir" && ls *.lua | sed 's/\.lua$//')
out=${TMPDIR:-/tmp}/callgrind.$$
for n in $names; do
  valgrind --tool=callgrind --callgrind-out-file="$out.out" "$bin" "$dir/$n.lua" >/dev/null 2>"$out.err"
  echo "$n $(grep -o 'Collected : [0-9]*' "$out.err" | awk '{print $3}')"
done
rm -f "$out.out" "$out.err"
