#!/bin/sh
# Writes the link order of the `telelua` binary's functions (`src/bin/telelua.order`, read
# by `build.rs`): `benches/callgrind/order.sh target/release/telelua > src/bin/telelua.order`.
#
# Why: the kernel maps a program's code 64 KB or more at a time around each page it first
# touches (fault-around), so functions scattered over the 2.8 MB of code made an empty script
# resident at ~2.1 MB of code against ~0.5 MB of functions actually run. Listed first, the
# functions that the empty script and the benchmark programs run (under callgrind, scaled
# down as in `run.sh`) are contiguous; what is not listed follows in the compiler's order.
# A stale list is harmless (a name the binary no longer has is skipped), only less compact.
# The names are mangled; they stay the same across builds of the same functions.
bin=$1
here=$(dirname "$0")
dir=${TMPDIR:-/tmp}/order.$$
mkdir -p "$dir"
SCALED_ONLY="$dir" sh "$here/run.sh" "$bin" || exit 1
: > "$dir/empty.lua"
for f in "$dir"/empty.lua "$dir"/[a-z]*.lua; do
  n=$(basename "$f" .lua)
  valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no \
    --callgrind-out-file="$dir/$n.cg" "$bin" --sandbox "$f" >/dev/null 2>&1
done
obj=$(basename "$bin")
# Self cost per function of the binary, per run; the empty script's functions first (every
# run starts with them), then the others by total self cost.
for f in "$dir"/*.cg; do
  awk -v obj="$obj" -v run="$(basename "$f" .cg)" '
    /^ob=/ { ob = substr($0, 4); next }
    /^fn=/ { fn = substr($0, 4); mine = (ob ~ ("/" obj "$")) && fn !~ /^(0x|\()/; next }
    /^calls=/ { skip = 1; next }
    /^[0-9+*-]/ { if (skip) { skip = 0; next } if (mine) cost[fn] += $2; next }
    END { for (k in cost) { sub(/'"'"'[0-9]+$/, "", k); print run, cost[k], k } }
  ' "$f"
done | awk '
  $1 == "empty" { first[$3] = 1 }
  { total[$3] += $2 }
  END { for (k in total) print (k in first ? 0 : 1), total[k], k }
' | sort -k1,1n -k2,2nr | awk '!seen[$3]++ { print $3 }'
# What callgrind cannot see: the C start-up code, and SHA-NI code that valgrind's CPU lacks.
nm "$bin" | awk '$2 ~ /^[tT]$/ && ($3 == "_start" || $3 == "_init" || $3 ~ /x86_sha/) { print $3 }'
rm -rf "$dir"
