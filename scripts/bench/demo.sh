#!/usr/bin/env bash
# make demo: prepare everything, build the x86_64 test kernel, boot it under
# QEMU and run the memcg squeeze of the benchmark with vm.nofs_sb_reclaim off
# and on (RUNS fresh boots each, default 2): a side-by-side table and a
# reading generated from the measured numbers.  The benchmark code does the
# work (scripts/bench/bench.sh --demo; knobs as for make bench, output in
# build/bench/demo/).
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=demo
"$TOP/scripts/prepare/deps.sh"
"$TOP/scripts/prepare/tree.sh"
"$TOP/scripts/build/build-kernel.sh" base
BENCH_BUILD=0 exec "$TOP/scripts/bench/bench.sh" --demo
