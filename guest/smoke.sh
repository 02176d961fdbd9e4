#!/bin/bash
# shellcheck disable=SC2317 # cleanup functions run from the EXIT trap
# Smoke scenario, run in the guest by /init (scripts/boot/run-qemu.sh --script
# smoke.sh [--args MEMORY_MAX]).
# vm: disks=2G,2G mem=1G cpus=2 timeout=900
#
#   smoke.sh [MEMORY_MAX]      memory.max of the workload cgroup (default 128M)
#
# ext4 on /dev/vda, XFS on /dev/vdb, XFS on a loop device backed by a 512M
# sparse file on the ext4, overlayfs (lower on ext4, upper+work on XFS) and a
# tmpfs.  A subshell in the cgroup /sys/fs/cgroup/smoke creates 10,000 empty
# files on each of the five (in directories of 1000) and stats them all;
# then reclaim counters are printed.
# Exit: 0 "SMOKE: ok"; 4 (kselftest skip) "SMOKE: SKIP: workload OOM-killed"
# (inconclusive); 1 "SMOKE: FAIL: what".
# Cleanup (kill the cgroup, unmount in reverse order, detach the loop device)
# runs on every exit path; a failed unmount makes the exit status 1.
#
# busybox applets would shadow the real tools in ash, and this runs under
# bash anyway: the real tools are called by full path.
set -u

MEMMAX=${1:-128M}
PER_FS=10000
PER_DIR=1000
EXT4_DEV=/dev/vda
XFS_DEV=/dev/vdb

SAY_PREFIX=SMOKE
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

# --- preconditions
wait_dev "$EXT4_DEV" "$XFS_DEV"
for fs in ext4 xfs overlay tmpfs; do
	grep -qw "$fs" /proc/filesystems || fail "the kernel has no $fs filesystem"
done
[ -f /sys/fs/cgroup/cgroup.subtree_control ] || fail "cgroup2 is not mounted at /sys/fs/cgroup"

# --- filesystems (set up in this order, torn down in reverse)
say "mkfs"
run "mke2fs $EXT4_DEV" "$MKE2FS" -t ext4 -q -F "$EXT4_DEV"
run "mkfs.xfs $XFS_DEV" "$MKXFS" -f -q "$XFS_DEV"
mnt /mnt/ext4 -t ext4 "$EXT4_DEV"
mnt /mnt/xfs -t xfs "$XFS_DEV"

truncate -s 512M /mnt/ext4/xfsloop.img || fail "truncate /mnt/ext4/xfsloop.img"
loopdev=$("$LOSETUP" -f --show /mnt/ext4/xfsloop.img 2>&1) || fail "losetup -f --show: $loopdev"
[ -b "$loopdev" ] || fail "losetup printed '$loopdev', not a block device"
undo+=("loop $loopdev")
run "mkfs.xfs $loopdev" "$MKXFS" -f -q "$loopdev"
mnt /mnt/xfsloop -t xfs "$loopdev"

mnt /mnt/tmpfs -t tmpfs -o size=256M tmpfs

mkdir -p /mnt/ext4/ovl-lower/base /mnt/xfs/ovl-upper /mnt/xfs/ovl-work || fail "mkdir overlay dirs"
: >/mnt/ext4/ovl-lower/base/from-lower || fail "create a file in the overlay lower dir"
mnt /mnt/ovl -t overlay -o lowerdir=/mnt/ext4/ovl-lower,upperdir=/mnt/xfs/ovl-upper,workdir=/mnt/xfs/ovl-work overlay
[ -f /mnt/ovl/base/from-lower ] || fail "overlay does not show its lower dir"

echo "mounts:"
grep -E ' /mnt/(ext4|xfs|xfsloop|ovl|tmpfs) ' /proc/mounts
echo "loop: $("$LOSETUP" -n -O NAME,BACK-FILE "$loopdev" 2>&1)"

# --- the workload cgroup
new_cgroup /sys/fs/cgroup/smoke "$MEMMAX"

TARGETS=(/mnt/ext4 /mnt/xfs /mnt/xfsloop /mnt/ovl /mnt/tmpfs)
say "workload: $((PER_FS * ${#TARGETS[@]})) files over ${TARGETS[*]}"
# Runs in a subshell that first moves itself into the cgroup.  Creation is
# `: >file` in a bash loop (no fork per file); ls -lR then stats every file
# of all five, once all are created (unlike populate in lib.sh, so that
# the stats look up entries reclaim has dropped meanwhile).
workload() {
	local t d f dir
	trap - EXIT INT TERM
	echo "$BASHPID" >"$CG/cgroup.procs" || return 1
	for t in "${TARGETS[@]}"; do
		for ((d = 0; d < PER_FS / PER_DIR; d++)); do
			dir=$t/wl/d$d
			mkdir -p "$dir" || return 1
			for ((f = 0; f < PER_DIR; f++)); do
				: >"$dir/f$f" || return 1
			done
		done
	done
	for t in "${TARGETS[@]}"; do
		ls -lR "$t/wl" >/dev/null || return 1
	done
}
start=${EPOCHREALTIME/./}
(workload)
wrc=$?
end=${EPOCHREALTIME/./}
elapsed_ms=$(((end - start) / 1000))

# --- report
echo "vmstat:"
grep -E '^(pgscan|pgsteal|allocstall|slabs_scanned|nofs_sb)' /proc/vmstat
echo "$CG/memory.events:"
cat "$CG/memory.events"
echo "$CG/memory.stat:"
grep -E '^(pgscan|pgsteal)' "$CG/memory.stat"
[ -f "$CG/memory.peak" ] && echo "memory.peak $(cat "$CG/memory.peak")"
printf 'workload: rc=%d elapsed %d.%03d s\n' "$wrc" $((elapsed_ms / 1000)) $((elapsed_ms % 1000))

oom_kills=$(cg_oom_kills "$CG")
[ -n "$oom_kills" ] || fail "no oom_kill in $CG/memory.events"
if [ "$oom_kills" -gt 0 ]; then
	skip "workload OOM-killed ($oom_kills kills): inconclusive at this memory.max"
fi
[ "$wrc" = 0 ] || fail "workload exited rc=$wrc without an OOM kill"
exit 0
