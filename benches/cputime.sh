#!/bin/sh
# CPU time (user seconds, from /usr/bin/time) of the full programs in benches/lua/, the best of
# REPS runs each (default 3; the minimum is the figure least disturbed by other processes on a
# shared machine): `benches/cputime.sh target/release/telelua [names...]`, and the same with
# `/usr/bin/lua5.4`. A telelua binary runs with `--sandbox`. Prints "name seconds" per program,
# then the load average, so a table made from it can say under which load it was measured.
bin=$1; shift
src=$(dirname "$0")/lua
reps=${REPS:-3}
names="$*"
[ -z "$names" ] && names=$(cd "$src" && ls *.lua | sed 's/\.lua$//')
case $(basename "$bin") in
  telelua*) flags=--sandbox ;;
  *) flags= ;;
esac
out=${TMPDIR:-/tmp}/cputime.$$
for n in $names; do
  best=
  i=0
  while [ $i -lt "$reps" ]; do
    /usr/bin/time -f %U -o "$out" "$bin" $flags "$src/$n.lua" >/dev/null || exit 1
    t=$(tail -n 1 "$out")
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
    i=$((i + 1))
  done
  echo "$n $best"
done
rm -f "$out"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
