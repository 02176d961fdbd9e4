#!/usr/bin/env bash
# make demo: prepare everything, build the x86_64 test kernel, boot it under
# QEMU and run the demonstration scenario.  Until the series changes
# reclaim, the scenario is the smoke workload (ext4, XFS, XFS on loop on
# ext4, overlayfs, tmpfs; 50k files in a memory-limited cgroup).
. "$(dirname "$0")/lib.sh"
SBNOFS_PROG=demo
"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh"
# shellcheck disable=SC1091
. "$BUILD/base.env"
"$TOP/scripts/build-kernel.sh" base
log=$LOGS/qemu-demo.log
"$TOP/scripts/run-qemu.sh" --kernel "$OUT/x86-base/arch/x86/boot/bzImage" \
	--script smoke.sh --args "${SMOKE_MEMMAX:-128M}" --disk 2G --disk 2G \
	--mem 1G --cpus 2 --timeout 900 --log "$log" >/dev/null
echo
echo "=== demo: smoke scenario on $package $version + $(series_commits | wc -l) patch(es) ==="
tr -d '\r' <"$log" | sed -n '/^mounts:/,/^SMOKE: /p'
echo "(full serial log: $log)"
