#!/bin/sh
# Regenerate the expected output of the Lua behaviour tests from PUC-Rio Lua 5.4.
#
#   tests/regen.sh              regenerate every tests/lua/*.lua
#   tests/regen.sh foo bar.lua  regenerate only these scripts
#
# For each script NAME.lua (run as `lua5.4 NAME.lua` from tests/lua, with stdin /dev/null,
# LC_ALL=C, TZ=UTC and no LUA_INIT; tests/scripts.rs runs telelua the same way):
#   NAME.out  its complete stdout
#   NAME.err  only if it exits with status 1 (uncaught error): its complete stderr
#             (message and traceback), with the leading "lua5.4: " replaced by "telelua: "
# Any other exit status, or stderr output on success, is reported as an error.
# Running it twice changes nothing (the scripts must be deterministic).
set -u
LUA=${LUA:-lua5.4}
cd "$(dirname "$0")/lua" || exit 2
command -v "$LUA" >/dev/null 2>&1 || { echo "regen.sh: $LUA not found" >&2; exit 2; }

if [ $# -gt 0 ]; then
    scripts=""
    for a in "$@"; do scripts="$scripts ${a%.lua}.lua"; done
else
    scripts=$(ls *.lua)
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
failed=0
count=0
for script in $scripts; do
    name=${script%.lua}
    if [ ! -f "$script" ]; then echo "regen.sh: no such script $script" >&2; failed=1; continue; fi
    env -u LUA_INIT -u LUA_INIT_5_4 LC_ALL=C TZ=UTC timeout 120 "$LUA" "$script" >"$name.out" 2>"$tmp" </dev/null
    status=$?
    count=$((count + 1))
    case $status in
    0)
        rm -f "$name.err"
        if [ -s "$tmp" ]; then
            echo "regen.sh: $script: exited 0 but wrote to stderr:" >&2
            cat "$tmp" >&2
            failed=1
        fi
        ;;
    1)
        sed '1s/^lua5\.4: /telelua: /' "$tmp" >"$name.err"
        ;;
    *)
        echo "regen.sh: $script: unexpected exit status $status" >&2
        cat "$tmp" >&2
        failed=1
        ;;
    esac
done
echo "regen.sh: regenerated $count script(s)"
exit $failed
