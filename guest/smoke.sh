#!/bin/bash
# shellcheck disable=SC2317 # cleanup functions run from the EXIT trap
# Smoke scenario, run in the guest by /init (scripts/run-qemu.sh --script
# smoke.sh --disk 2G --disk 2G [--args MEMORY_MAX]).
#
#   smoke.sh [MEMORY_MAX]      memory.max of the workload cgroup (default 128M)
#
# ext4 on /dev/vda, XFS on /dev/vdb, XFS on a loop device backed by a 512M
# sparse file on the ext4, overlayfs (lower on ext4, upper+work on XFS) and a
# tmpfs.  A subshell in the cgroup /sys/fs/cgroup/smoke creates 10,000 empty
# files on each of the five (in directories of 1000) and stats them all;
# then reclaim counters are printed.
# Exit: 0 "SMOKE: ok"; 2 "SMOKE: workload OOM-killed"; 1 "SMOKE: FAIL: what".
# Cleanup (kill the cgroup, unmount in reverse order, detach the loop device)
# runs on every exit path; a failed unmount makes the exit status 1.
#
# busybox applets would shadow the real tools in ash, and this runs under
# bash anyway: the real tools are called by full path.
set -u

MEMMAX=${1:-128M}
PER_FS=10000
PER_DIR=1000
CG=/sys/fs/cgroup/smoke
EXT4_DEV=/dev/vda
XFS_DEV=/dev/vdb
MKE2FS=/sbin/mke2fs
MKXFS=/sbin/mkfs.xfs
LOSETUP=/sbin/losetup
MOUNT=/bin/mount
UMOUNT=/bin/umount

# Undo stack, pushed as each step succeeds: "cgroup", "umount DIR", "loop DEV".
undo=()
loopdev=

say() { echo "SMOKE: $*"; }
fail() {
	say "FAIL: $*"
	exit 1
}

# Kill everything left in the cgroup, wait until it is empty, remove it.
cgroup_cleanup() {
	local i
	[ -d "$CG" ] || return 0
	if [ -f "$CG/cgroup.kill" ]; then
		echo 1 >"$CG/cgroup.kill" || say "FAIL: cannot write $CG/cgroup.kill"
	fi
	for ((i = 0; i < 300; i++)); do
		[ -z "$(cat "$CG/cgroup.procs" 2>/dev/null)" ] && break
		sleep 0.1
	done
	if [ -n "$(cat "$CG/cgroup.procs" 2>/dev/null)" ]; then
		say "FAIL: processes left in $CG after cgroup.kill: $(tr '\n' ' ' <"$CG/cgroup.procs")"
		return 1
	fi
	if ! rmdir "$CG"; then
		say "FAIL: rmdir $CG"
		return 1
	fi
}

cleanup() {
	local i op arg ok=0 out
	for ((i = ${#undo[@]} - 1; i >= 0; i--)); do
		op=${undo[i]%% *}
		arg=${undo[i]#* }
		case $op in
		cgroup) cgroup_cleanup || ok=1 ;;
		umount)
			if ! out=$("$UMOUNT" "$arg" 2>&1); then
				say "FAIL: umount $arg: $out"
				ok=1
			fi
			;;
		loop)
			if ! out=$("$LOSETUP" -d "$arg" 2>&1); then
				say "FAIL: losetup -d $arg: $out"
				ok=1
			fi
			;;
		esac
	done
	undo=()
	return "$ok"
}

on_exit() {
	local rc=$?
	trap - EXIT
	if ! cleanup; then
		rc=1
	fi
	case $rc in
	0) say "ok" ;;
	2) say "workload OOM-killed" ;;
	esac
	exit "$rc"
}
trap on_exit EXIT
trap 'fail "interrupted"' INT TERM

# run WHAT CMD...: run a setup command, fail with its output.
run() {
	local what=$1 out
	shift
	out=$("$@" 2>&1) || fail "$what: ${out//$'\n'/ }"
	[ -z "$out" ] || echo "$out"
}

# mnt DIR CMD...: make DIR, mount with CMD, push the unmount.
mnt() {
	local dir=$1
	shift
	mkdir -p "$dir" || fail "mkdir $dir"
	run "mount $dir" "$MOUNT" "$@" "$dir"
	undo+=("umount $dir")
}

# --- preconditions
for dev in "$EXT4_DEV" "$XFS_DEV"; do
	for ((i = 0; i < 50; i++)); do
		[ -b "$dev" ] && break
		sleep 0.1
	done
	[ -b "$dev" ] || fail "no block device $dev (run-qemu.sh --disk 2G --disk 2G)"
done
for fs in ext4 xfs overlay tmpfs; do
	grep -qw "$fs" /proc/filesystems || fail "the kernel has no $fs filesystem"
done
[ -f /sys/fs/cgroup/cgroup.subtree_control ] || fail "cgroup2 is not mounted at /sys/fs/cgroup"
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
	fail "memory controller not enabled in /sys/fs/cgroup/cgroup.subtree_control"

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
mkdir "$CG" || fail "mkdir $CG"
undo+=("cgroup $CG")
[ -f "$CG/memory.max" ] || fail "no memory.max in $CG"
echo "$MEMMAX" >"$CG/memory.max" || fail "memory.max=$MEMMAX rejected"
say "memory.max=$(cat "$CG/memory.max")"

TARGETS=(/mnt/ext4 /mnt/xfs /mnt/xfsloop /mnt/ovl /mnt/tmpfs)
say "workload: $((PER_FS * ${#TARGETS[@]})) files over ${TARGETS[*]}"
# Runs in a subshell that first moves itself into the cgroup.  Creation is
# `: >file` in a bash loop (no fork per file); ls -lR stats every file.
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
grep -E '^(pgscan|pgsteal|allocstall|slabs_scanned)' /proc/vmstat
echo "$CG/memory.events:"
cat "$CG/memory.events"
echo "$CG/memory.stat:"
grep -E '^(pgscan|pgsteal)' "$CG/memory.stat"
[ -f "$CG/memory.peak" ] && echo "memory.peak $(cat "$CG/memory.peak")"
printf 'workload: rc=%d elapsed %d.%03d s\n' "$wrc" $((elapsed_ms / 1000)) $((elapsed_ms % 1000))

oom_kills=$(awk '$1 == "oom_kill" { print $2 }' "$CG/memory.events")
[ -n "$oom_kills" ] || fail "no oom_kill in $CG/memory.events"
if [ "$oom_kills" -gt 0 ]; then
	exit 2
fi
[ "$wrc" = 0 ] || fail "workload exited rc=$wrc without an OOM kill"
exit 0
