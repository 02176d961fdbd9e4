#!/usr/bin/env bash
# kbuild.sh NAME CMD...: run a kernel build with its output in
# build/logs/build-NAME.log, a progress line every 30 s, and a one-line
# summary (time, compiled objects, ccache hits).  On failure: the first
# compiler error and the log's name.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=build
name=$1
shift
log=$LOGS/build-$name.log
# One kernel build at a time on this machine (2 cores): builds started by
# another make target or a second shell wait here instead of competing.
mkdir -p "$BUILD"
exec 9>"$BUILD/.kbuild.lock"
if ! flock -n 9; then
	info "waiting for another kernel build to finish"
	flock 9
fi
t0=$(now)
hits0=0
ccs() { ccache --print-stats 2>/dev/null | awk -F'\t' '$1 ~ /^(direct_cache_hit|preprocessed_cache_hit)$/ {h+=$2} $1 ~ /^cache_miss$/ {m+=$2} END {print h+0, m+0}'; }
if [ "$KCC" != gcc ]; then read -r hits0 miss0 < <(ccs); fi
"$@" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
while kill -0 $pid 2>/dev/null; do
	for _ in $(seq 30); do
		sleep 1
		kill -0 $pid 2>/dev/null || break
	done
	kill -0 $pid 2>/dev/null || break
	printf '[%s] %d objects compiled, %ds\n' "$name" "$(grep -c '^  CC ' "$log" || true)" $(($(now) - t0)) >&2
done
rc=0
wait $pid || rc=$?
trap - EXIT INT TERM
objs=$(grep -c '^  CC ' "$log" || true)
if [ $rc -ne 0 ]; then
	err=$(grep -m1 -E '(error|Error [0-9]+):' "$log" || tail -n 1 "$log")
	grep -E -B2 -A3 -m3 ' error: ' "$log" >&2 || tail -n 20 "$log" >&2
	die "build $name failed after $(($(now) - t0))s: $err (log: $log)"
fi
cc=""
if [ "$KCC" != gcc ]; then
	read -r hits1 miss1 < <(ccs)
	cc=", ccache $((hits1 - hits0)) hits / $((miss1 - miss0)) misses"
fi
echo "build $name: ok in $(($(now) - t0))s ($objs objects compiled$cc)"
