#!/bin/bash
# Superblock-scoped NOFS reclaim in a real kernel (scripts/run-qemu.sh
# --script scoped.sh --disk 2G --disk 2G --disk 2G [--args MEMMAX,SWITCH]).
#
#   scoped.sh [MEMMAX] [on|off]   memory.max (default 28M), vm.nofs_sb_reclaim
#
# XFS "scope" on /dev/vda, XFS "cache" on /dev/vdb, ext4 on /dev/vdc and a
# tmpfs.  In one memory-limited cgroup, first fill the dentry and inode
# caches of the XFS "cache" filesystem and the tmpfs (stat of FILES files
# each), then run a transaction-heavy workload (create with xattr, rename,
# unlink, fsync) on the XFS "scope" filesystem and on ext4, whose memory
# must come from reclaiming those caches.  XFS transactions and ext4
# handles are superblock NOFS scopes: with the switch on, their reclaim may
# prune the caches of the other XFS and of tmpfs (same depth, targets), and
# never ext4 (not a target).
# Prints the nofs_sb_* counters and the cgroup's memory events.
# Exit: 0 ok; 3 switch on but scoped reclaim entered no superblock, or a
# superblock that must not be entered was (or switch off and anything was
# allowed); 1 setup failure or a workload error other than an OOM kill.
# An OOM kill of the workload is reported, not a failure: its onset under
# TCG is timing dependent (the benchmark counts them over many runs).
set -u

MEMMAX=${1:-28M}
SWITCH=${2:-on}
FILES=${FILES:-8000}
PER_DIR=1000
SAY_PREFIX=SCOPED
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

[ -f /proc/sys/vm/nofs_sb_reclaim ] || fail "kernel without the series (no vm.nofs_sb_reclaim)"
case $SWITCH in
on) echo 1 >/proc/sys/vm/nofs_sb_reclaim ;;
off) echo 0 >/proc/sys/vm/nofs_sb_reclaim ;;
*) fail "switch must be on or off, not '$SWITCH'" ;;
esac

mkfs_disks /mnt/scope /mnt/cache /mnt/ext4
mnt /mnt/tmpfs -t tmpfs -o size=256M tmpfs

new_cgroup /sys/fs/cgroup/scoped "$MEMMAX"

# Record every scoped decision (vmscan:mm_nofs_sb_reclaim).
[ -d $T/events/vmscan/mm_nofs_sb_reclaim ] || fail "no mm_nofs_sb_reclaim tracepoint"
echo 8192 >$T/buffer_size_kb
echo >$T/trace
echo 1 >$T/events/vmscan/mm_nofs_sb_reclaim/enable || fail "cannot enable mm_nofs_sb_reclaim"

counters_save

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

# churn DIR: transactions: creates, an xattr, renames, unlinks, fsync
# (few forks: creates are a shell builtin, the rest one command per batch)
churn() {
	local d f dir
	for ((d = 0; d < FILES / PER_DIR; d++)); do
		dir=$1/d$d
		mkdir -p "$dir" "$dir.r" || return 1
		for ((f = 0; f < PER_DIR; f++)); do
			: >"$dir/f$f" || return 1
		done
		/usr/bin/setfattr -n user.sbnofs -v "$d" "$dir/f0" || return 1
		mv "$dir"/f*5 "$dir.r/" || return 1
		rm -f "$dir"/f*0 "$dir.r"/f*5 || return 1
		sync -f "$dir" 2>/dev/null || sync
	done
}

# workload N: attempt N in the cgroup: fill, then churn
workload() {
	trap - EXIT INT TERM
	echo "$BASHPID" >"$CG/cgroup.procs" || return 1
	populate "/mnt/cache/p$1" || return 1
	populate "/mnt/tmpfs/p$1" || return 1
	say "caches filled: $(awk '$1 == "slab_reclaimable" { print $2 }' "$CG/memory.stat") bytes reclaimable slab"
	churn "/mnt/scope/w$1" &
	local p1=$! r1=0 r2=0
	churn "/mnt/ext4/w$1" &
	local p2=$!
	# wait for both, also when one was killed: nothing may run on while
	# the counters are read
	wait $p1 || r1=$?
	wait $p2 || r2=$?
	[ "$r1" = 0 ] || return "$r1"
	return "$r2"
}
oom_events() { awk '$1 == "oom_kill" { print $2 }' "$CG/memory.events"; }
# An OOM kill before any scoped decision says nothing about the switch:
# ext4 allocates its inodes with explicit GFP_NOFS (blanket by design), and
# when such an allocation is the first to hit the limit the cgroup OOMs
# before an XFS transaction reclaims.  Such an attempt is reported and
# repeated with fresh directories, up to ATTEMPTS times.
ATTEMPTS=${ATTEMPTS:-3}
for ((attempt = 1; ; attempt++)); do
	oom0=$(oom_events)
	t0=$(now_ms)
	(workload "$attempt")
	wrc=$?
	elapsed=$(($(now_ms) - t0))
	# An OOM kill may have hit the workload shell and left its children
	# running: stop everything in the cgroup before reading the counters.
	echo 1 >"$CG/cgroup.kill"
	for ((i = 0; i < 300; i++)); do
		[ -z "$(cat "$CG/cgroup.procs")" ] && break
		sleep 0.1
	done
	if [ "$SWITCH" = on ] && [ "$(delta nofs_sb_allowed)" -eq 0 ] &&
		[ "$(oom_events)" -gt "$oom0" ] && [ "$attempt" -lt "$ATTEMPTS" ]; then
		say "attempt $attempt: OOM-killed before any scoped decision: inconclusive, again"
		# the tmpfs files are pinned memory of the cgroup
		rm -rf "/mnt/tmpfs/p$attempt" || fail "rm /mnt/tmpfs/p$attempt"
		continue
	fi
	break
done
say "attempts: $attempt"

echo 0 >$T/events/vmscan/mm_nofs_sb_reclaim/enable
counters_print
# decisions by scope, target and verdict, from the tracepoint
echo "first decisions traced:"
grep -m3 'mm_nofs_sb_reclaim:' $T/trace | sed 's/^/  /'
decisions
echo "$CG/memory.events:"
sed 's/^/  /' "$CG/memory.events"
grep -E '^(slab_reclaimable|pgscan |pgsteal )' "$CG/memory.stat" | sed 's/^/  /'
printf 'workload: rc=%d elapsed %d.%03d s\n' "$wrc" $((elapsed / 1000)) $((elapsed % 1000))

oom=$(awk '$1 == "oom_kill" { print $2 }' "$CG/memory.events")
if [ "${oom:-0}" -gt 0 ]; then
	say "workload OOM-killed ($oom), reported only"
elif [ "$wrc" != 0 ]; then
	fail "workload exited rc=$wrc without an OOM kill"
fi
allowed=$(delta nofs_sb_allowed)
# Entering is what the switch controls; how much a scan frees depends on
# LRU aging (referenced dentries and inodes get a second pass first).
if [ "$SWITCH" = on ] && [ "$allowed" -eq 0 ]; then
	say "FAIL: switch on, but scoped reclaim entered nothing"
	exit 3
fi
# Only XFS transactions and ext4 handles open superblock scopes, and ext4
# (not a target) is never entered.
if grep -v -E ' scope=(xfs:vd[ab]|ext4:vdc) ' /tmp/decisions | grep -q 'scope='; then
	say "FAIL: a scope other than the XFS and ext4 filesystems made decisions"
	exit 3
fi
if grep -q 'target=ext4:vdc verdict=allow' /tmp/decisions; then
	say "FAIL: ext4 (not a target) was entered"
	exit 3
fi
if [ "$SWITCH" = on ] && ! grep -qE 'target=(xfs:vdb|tmpfs:tmpfs) verdict=allow' /tmp/decisions; then
	say "FAIL: the other XFS and tmpfs were never entered"
	exit 3
fi
if [ "$SWITCH" = off ] && [ "$allowed" -ne 0 ]; then
	say "FAIL: switch off, but scoped reclaim was allowed $allowed times"
	exit 3
fi
exit 0
