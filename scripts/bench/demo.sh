#!/usr/bin/env bash
# make demo: prepare everything, build the x86_64 test kernel, boot it under
# QEMU with vm.nofs_sb_reclaim off and on (RUNS fresh boots each, default
# 2), and print for each part a side-by-side table and a reading generated
# from the measured numbers:
# - the memcg squeeze of the benchmark (scripts/bench/bench.sh --demo;
#   knobs as for make bench, output in build/bench/demo/);
# - a real workload at one memory limit (scripts/bench/bench-limit.sh
#   --demo; knobs as for make bench-limit, output in build/bench-limit/demo/).
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=demo
"$TOP/scripts/prepare/deps.sh"
"$TOP/scripts/prepare/tree.sh"
"$TOP/scripts/build/build-kernel.sh" base
BENCH_BUILD=0 "$TOP/scripts/bench/bench.sh" --demo || die "the memcg squeeze failed"
echo
BENCH_BUILD=0 exec "$TOP/scripts/bench/bench-limit.sh" --demo
