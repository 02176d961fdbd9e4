#!/bin/bash
# Superblock-scoped NOFS reclaim in a real kernel (scripts/run-qemu.sh
# --script scoped.sh --disk 2G --disk 2G --disk 2G [--args MEMMAX,SWITCH]).
#
#   scoped.sh [MEMMAX] [on|off]   memory.max (default 80M), vm.nofs_sb_reclaim
#
# XFS "scope" on /dev/vda, XFS "cache" on /dev/vdb, ext4 on /dev/vdc and a
# tmpfs.  In one memory-limited cgroup, first fill the dentry and inode
# caches of the XFS "cache" filesystem and the tmpfs (stat of FILES files
# each), then run a transaction-heavy workload (create with xattr, rename,
# unlink, fsync) on the XFS "scope" filesystem and on ext4, whose memory
# must come from reclaiming those caches.  XFS transactions are superblock
# NOFS scopes: with the switch on, their reclaim may prune the caches of the
# other XFS and of tmpfs (same depth, targets), never ext4 (not a target).
# Prints the nofs_sb_* counters and the cgroup's memory events.
# Exit: 0 ok; 2 workload OOM-killed; 3 switch on but no scoped reclaim
# freed anything (or switch off and it did); 1 setup failure.
set -u

MEMMAX=${1:-80M}
SWITCH=${2:-on}
FILES=${FILES:-15000}
PER_DIR=1000
SAY_PREFIX=SCOPED
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

wait_dev /dev/vda /dev/vdb /dev/vdc
[ -f /proc/sys/vm/nofs_sb_reclaim ] || fail "kernel without the series (no vm.nofs_sb_reclaim)"
case $SWITCH in
on) echo 1 >/proc/sys/vm/nofs_sb_reclaim ;;
off) echo 0 >/proc/sys/vm/nofs_sb_reclaim ;;
*) fail "switch must be on or off, not '$SWITCH'" ;;
esac

say "mkfs"
run "mkfs.xfs /dev/vda" "$MKXFS" -f -q /dev/vda
run "mkfs.xfs /dev/vdb" "$MKXFS" -f -q /dev/vdb
run "mke2fs /dev/vdc" "$MKE2FS" -t ext4 -q -F /dev/vdc
mnt /mnt/scope -t xfs /dev/vda
mnt /mnt/cache -t xfs /dev/vdb
mnt /mnt/ext4 -t ext4 /dev/vdc
mnt /mnt/tmpfs -t tmpfs -o size=256M tmpfs

new_cgroup /sys/fs/cgroup/scoped "$MEMMAX"

vm() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
COUNTERS="nofs_sb_allowed nofs_sb_denied_disabled nofs_sb_denied_self nofs_sb_denied_unknown nofs_sb_denied_depth nofs_sb_denied_target nofs_sb_freed slabs_scanned"
declare -A before
for c in $COUNTERS; do before[$c]=$(vm "$c"); done

# populate DIR: FILES empty files, then stat them (dentries + inodes cached)
populate() {
	local d f dir
	for ((d = 0; d < FILES / PER_DIR; d++)); do
		dir=$1/d$d
		mkdir -p "$dir" || return 1
		for ((f = 0; f < PER_DIR; f++)); do
			: >"$dir/f$f" || return 1
		done
	done
	ls -lR "$1" >/dev/null
}

# churn DIR: transactions: create with an xattr, rename, unlink half, fsync
churn() {
	local d f dir
	for ((d = 0; d < FILES / PER_DIR; d++)); do
		dir=$1/d$d
		mkdir -p "$dir" || return 1
		for ((f = 0; f < PER_DIR; f++)); do
			: >"$dir/f$f" || return 1
		done
		/usr/bin/setfattr -n user.sbnofs -v "$d" "$dir/f0" || return 1
		for ((f = 0; f < PER_DIR; f += 2)); do
			mv "$dir/f$f" "$dir/r$f" 2>/dev/null || return 1
		done
		rm -f "$dir"/r* || return 1
		sync -f "$dir" 2>/dev/null || sync
	done
}

workload() {
	trap - EXIT INT TERM
	echo "$BASHPID" >"$CG/cgroup.procs" || return 1
	populate /mnt/cache/p || return 1
	populate /mnt/tmpfs/p || return 1
	say "caches filled: $(awk '$1 == "slab_reclaimable" { print $2 }' "$CG/memory.stat") bytes reclaimable slab"
	churn /mnt/scope/w &
	local p1=$!
	churn /mnt/ext4/w &
	local p2=$!
	wait $p1 || return 1
	wait $p2 || return 1
}
t0=$(now_ms)
(workload)
wrc=$?
elapsed=$(($(now_ms) - t0))

echo "counters (delta, vm.nofs_sb_reclaim=$(cat /proc/sys/vm/nofs_sb_reclaim)):"
for c in $COUNTERS; do
	printf '  %-26s %s\n' "$c" $(($(vm "$c") - before[$c]))
done
echo "$CG/memory.events:"
sed 's/^/  /' "$CG/memory.events"
grep -E '^(slab_reclaimable|pgscan |pgsteal )' "$CG/memory.stat" | sed 's/^/  /'
printf 'workload: rc=%d elapsed %d.%03d s\n' "$wrc" $((elapsed / 1000)) $((elapsed % 1000))

oom=$(awk '$1 == "oom_kill" { print $2 }' "$CG/memory.events")
[ "${oom:-0}" -gt 0 ] && exit 2
[ "$wrc" = 0 ] || fail "workload exited rc=$wrc without an OOM kill"
freed=$(($(vm nofs_sb_freed) - before[nofs_sb_freed]))
allowed=$(($(vm nofs_sb_allowed) - before[nofs_sb_allowed]))
if [ "$SWITCH" = on ] && { [ "$allowed" -eq 0 ] || [ "$freed" -eq 0 ]; }; then
	say "switch on, but scoped reclaim entered nothing (allowed=$allowed freed=$freed)"
	exit 3
fi
if [ "$SWITCH" = off ] && [ "$allowed" -ne 0 ]; then
	say "switch off, but scoped reclaim was allowed $allowed times"
	exit 3
fi
exit 0
