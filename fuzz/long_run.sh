#!/usr/bin/env bash
# Long fuzz runs (issue 15: 10^7 executions per target), measured fastest on this code:
#   fuzz/long_run.sh TARGET SECONDS [SCRATCH]
# Builds TARGET without a sanitizer and without comparison tracing, copies its checked-in
# corpus to SCRATCH/TARGET (new units never land in the repository) and runs it for SECONDS
# at `nice 10`, findings in SCRATCH/artifacts/. Why these settings (README, "Fuzzing"):
# - `-s none`: the VM crate forbids `unsafe`; AddressSanitizer cost several times the
#   executions for what it could find there.
# - `--no-trace-compares`: the `roundtrip` and `differential` inputs are grammar choices
#   (`byte % n`), never compared to the program's constants, so the comparison operands
#   libFuzzer collects rarely make a useful mutation; collecting them was 2/3 of
#   `roundtrip`'s instructions and half of `differential`'s. Edge coverage is unchanged.
# - `glibc.malloc.tcache_count=1000`: snapshots and restores allocate and free hundreds of
#   small blocks at a time; glibc's default per-size cache of 7 sends most of them to the
#   slower bins (-11% instructions for `roundtrip`, -4% for `differential`).
set -euo pipefail
target=${1:?usage: fuzz/long_run.sh TARGET SECONDS [SCRATCH]}
seconds=${2:?usage: fuzz/long_run.sh TARGET SECONDS [SCRATCH]}
scratch=${3:-/tmp/telelua-fuzz}
cd "$(dirname "$0")"
RUSTC_BOOTSTRAP=1 cargo fuzz build -O -s none --no-trace-compares "$target"
bin=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release/$target
mkdir -p "$scratch/artifacts"
rm -rf "${scratch:?}/$target"
cp -r "corpus/$target" "$scratch/$target"
GLIBC_TUNABLES=glibc.malloc.tcache_count=1000 nice -n 10 "$bin" "$scratch/$target" \
    -max_total_time="$seconds" -artifact_prefix="$scratch/artifacts/" -print_final_stats=1
