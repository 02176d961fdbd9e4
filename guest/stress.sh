#!/bin/bash
# Bounded stress of superblock-scoped NOFS reclaim (run-qemu.sh --script
# stress.sh [--args SECONDS,HEADROOM]), meant for the PROVE_LOCKING +
# hung-task kernel.
# vm: disks=2G,2G,2G mem=1G cpus=2 timeout=1200
#
#   stress.sh [SECONDS] [HEADROOM]  load time (default 60) over ROUNDS (3)
#                                   rounds (up to MAX_ROUNDS, 6, while a
#                                   cgroup's wanted decision was not
#                                   traced); memory.max of each cgroup once
#                                   its caches are filled: its usage +
#                                   HEADROOM MiB (default 8)
#
# Filesystems: XFS X1 (/dev/vda), XFS X2 (/dev/vdb), ext4 E (/dev/vdc),
# XFS LX1 on a loop device over a file on E and XFS LX2 on dm-linear over
# a loop device over a file on X2 (both at reclaim depth 1), overlayfs OV
# with its layers on LX1, and a tmpfs.
# Three cgroups, each first filling the dentry/inode caches of filesystems
# the others write to, then limited to its usage plus a little headroom and
# running transaction-heavy load
# (create, setxattr, rename, unlink, fsync) for SECONDS:
#   cg1: cache of X2,        load on X1, E and the tmpfs
#   cg2: cache of X1,        load on X2
#   cg3: cache of LX2,       load on LX1 and OV
# so that XFS, ext4 and the loop-backed XFS transactions reclaim each
# other's caches from their superblock scopes (ext4's handles mostly
# through the buffer cache: block device folios for metadata).  (tmpfs
# pins its dentries and inodes: it has nothing for a superblock shrinker
# to reclaim, so it only adds load, and keeps none of its batches.  No
# cgroup holds only caches that its load's scopes may not enter: its limit
# would be an OOM kill, not a test of the rules.  cg1's XFS transactions
# may enter its ext4, its ext4 handles its XFS, never their own.)
# Pass (exit 0): every worker finished without error, scoped reclaim
# entered another superblock (a "foreign" decision),
# no ext4 handle entered ext4, no decision was made about the block device
# superblock, the trace lost no event, every filesystem unmounts and
# xfs_repair -n / e2fsck -fn find them clean.  cg1 runs more rounds (up to MAX_ROUNDS)
# until an ext4 scope has entered an XFS superblock; how many did is
# reported.
# A memcg OOM kill is reported (its cgroup, the gfp masks it was invoked
# for, the cgroup's reclaimable slab), not a failure, and a load or worker
# that stopped in a round with an OOM kill in its cgroup did not fail:
# whether an allocation in a scope finds enough to reclaim within the
# headroom depends on timing under TCG (the first reclaims of a round
# come from whichever allocation hits the limit first), and a transaction
# can never reclaim its own superblock's dentries and inodes.  A NOFAIL
# allocation in an XFS transaction was OOM-killed with 19 MB of
# reclaimable slab charged at 8 MiB of headroom, as at 6 MiB before.
# The memcg squeeze of make bench measures OOM kills against unpatched.
# Kernel splats (lockdep, hung task, WARN, BUG) are caught by run-qemu.sh.
# Exit 1 on any failure, 3 when no cross-superblock reclaim happened, an
# ext4 handle entered ext4, the bdev superblock was decided about or the
# trace lost events.
set -u

SECONDS_LOAD=${1:-60}
HEADROOM=${2:-8}
ROUNDS=${ROUNDS:-3}
MAX_ROUNDS=${MAX_ROUNDS:-6}
FILES=${FILES:-6000}
MARK_FILES=${MARK_FILES:-1000}
SAY_PREFIX=STRESS
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

XFS_REPAIR=/sbin/xfs_repair
E2FSCK=/sbin/e2fsck
FSMARK=/usr/bin/fs_mark

set_switch on

mkfs_disks /mnt/x1 /mnt/x2 /mnt/e
mnt /mnt/t -t tmpfs -o size=128M tmpfs
loops=()
# loopfs NAME IMAGE [dm]: XFS on a new loop device over IMAGE (with "dm":
# on a dm-linear device over that loop device), mounted on /mnt/NAME
loopfs() {
	local dev
	run "truncate $2" truncate -s 600M "$2"
	dev=$("$LOSETUP" -f --show "$2") || fail "losetup $2"
	undo+=("loop $dev")
	loops+=("$1:$2")
	if [ "${3:-}" = dm ]; then
		run "dmsetup create stress-$1" "$DMSETUP" create "stress-$1" \
			--table "0 $((600 * 2048)) linear $dev 0"
		undo+=("dm stress-$1")
		dev=/dev/mapper/stress-$1
	fi
	run "mkfs.xfs $dev" "$MKXFS" -f -q "$dev"
	mnt "/mnt/$1" -t xfs "$dev"
}
loopfs lx1 /mnt/e/lx1.img
loopfs lx2 /mnt/x2/lx2.img dm
mkdir -p /mnt/lx1/lower /mnt/lx1/upper /mnt/lx1/work || fail "mkdir overlay layers"
mnt /mnt/ov -t overlay -o lowerdir=/mnt/lx1/lower,upperdir=/mnt/lx1/upper,workdir=/mnt/lx1/work overlay

counters_save
echo 8192 >$T/buffer_size_kb
echo >$T/trace
echo 1 >$T/events/vmscan/mm_nofs_sb_reclaim/enable || fail "cannot enable mm_nofs_sb_reclaim"
echo 1 >$T/events/vmscan/mm_vmscan_memcg_reclaim_begin/enable ||
	fail "cannot enable mm_vmscan_memcg_reclaim_begin"

# fill DIR: FILES files in directories of 500 (created once), stat'ed
# (unused dentries and inodes in the cache of DIR's filesystem, charged
# to this cgroup)
fill() { populate "$1" "$FILES" 500; }

# load DIR ROUND: transactions for SECONDS/ROUNDS: creates (100, then
# MARK_FILES by fs_mark), 500 mkdirs, an xattr on a batch, a directory
# rename, an fsync, unlinks
load() {
	local end=$(($(now_ms) + SECONDS_LOAD * 1000 / ROUNDS)) i=0 f d=$1/$2 tmpfs=0 t
	mkdir -p "$d" || return 1
	# a failed stat would silently keep half of the tmpfs batches again
	t=$(stat -f -c %T "$d") || { say "FAIL: stat -f $d"; return 1; }
	[ "$t" = tmpfs ] && tmpfs=1
	while [ "$(now_ms)" -lt "$end" ]; do
		mkdir "$d/b$i" || return 1
		for ((f = 0; f < 100; f++)); do
			: >"$d/b$i/f$f" || return 1
		done
		# most creates from one process: the cgroup's new memory is
		# then mostly the filesystem's, allocated in its transactions,
		# not the page tables and stacks of short-lived processes
		"$FSMARK" -d "$d/b$i/m" -n "$MARK_FILES" -s 0 -S 0 -L 1 -k \
			-l /dev/null >/dev/null || return 1
		# 500 directories from one process: in ext4 each takes a new
		# directory block (block device page cache) in the handle
		mkdir "$d/b$i/s" "$d/b$i/s/d"{1..500} || return 1
		/usr/bin/setfattr -n user.stress -v "$i" "$d/b$i"/f1* || return 1
		mv "$d/b$i" "$d/r$i" || return 1
		# a log force, without page cache: the cgroup's memory stays
		# mostly slab, which only the shrinkers can give back
		sync -f "$d/r$i/f0" || return 1
		# keep every other batch: the filesystems grow while they churn.
		# Not on tmpfs: what it keeps is pinned (shmem inodes are not
		# even reclaimable slab), and half of a round's batches there
		# (6000 to 9000 inodes and dentries) outgrew the headroom on
		# their own: memcg OOM kills in cg1 with 11 MB of unreclaimable
		# slab, whatever the allocation's mask
		if ((i % 2)) || [ "$tmpfs" = 1 ]; then
			rm -rf "$d/r$i" || return 1
		fi
		i=$((i + 1))
	done
	echo "$d: $i batches$( ((tmpfs)) && echo ", tmpfs: none kept")"
}

# worker CG CACHES LOADS WANT: runs in CG, ROUNDS times: fill the caches (the
# first round creates the files, later ones look them up again), limit
# the cgroup to its usage + HEADROOM, run the loads in parallel.  Each
# round is a new reclaim episode: its first reclaims free most of the
# caches, from whichever allocation hits the limit first.
# oom_masks CG: "COUNT COMM gfp_mask=... order=N killed TASK" of each OOM
# kill in stress-CG, from the kernel log: the allocation the OOM killer
# was invoked for, and the victim its oom-kill:constraint line names
oom_masks() {
	dmesg | awk -v cg="oom_memcg=/stress-$1," '
		/ invoked oom-killer: / {
			l = $0
			sub(/.*\] /, "", l)
			sub(/ invoked oom-killer:/, "", l)
			sub(/, oom_score_adj=.*/, "", l)
			last = l
		}
		/oom-kill:constraint=/ && index($0, cg) {
			v = $0
			sub(/.*,task=/, "", v)
			sub(/,.*/, "", v)
			print last " killed " v
		}' | sort | uniq -c | sed 's/^ *//' | paste -s -d ';'
}

worker() {
	local c p pids round rc=0 oom0
	trap - EXIT INT TERM
	echo "$BASHPID" >"$1/cgroup.procs" || return 1
	# ROUNDS rounds; more, up to MAX_ROUNDS, while no decision matching
	# WANT has been traced yet (which allocation hits the limit first is
	# timing dependent under TCG)
	for ((round = 0; ; round++)); do
		if ((round >= ROUNDS)) && { ((round >= MAX_ROUNDS)) ||
			grep -q "$4" $T/trace; }; then
			break
		fi
		echo max >"$1/memory.max" || return 1
		for c in $2; do
			fill "$c/cache" || return 1
		done
		# from now on the load's memory must come from reclaim
		echo $(($(cat "$1/memory.current") + HEADROOM * 1048576)) >"$1/memory.max" ||
			return 1
		echo "${1##*/}: round $round, caches filled, memory.max=$(cat "$1/memory.max")"
		oom0=$(cg_oom_kills "$1")
		pids=()
		for p in $3; do
			load "$p/load" "$round" &
			pids+=($!)
		done
		for p in "${pids[@]}"; do
			wait "$p" || rc=1
		done
		if [ $rc != 0 ] && [ "$(cg_oom_kills "$1")" -gt "$oom0" ]; then
			echo "${1##*/}: round $round: a load stopped on an OOM kill (reported at the end)"
			rc=0
		fi
		[ $rc = 0 ] || return $rc
	done
}

FOREIGN='verdict=allow reason=foreign'
declare -A WANT=([cg1]="scope=ext4:vdc .* target=xfs:[^ ]* .*$FOREIGN" [cg2]="$FOREIGN" [cg3]="$FOREIGN")
declare -A CACHES=([cg1]="/mnt/x2" [cg2]="/mnt/x1" [cg3]="/mnt/lx2")
declare -A LOADS=([cg1]="/mnt/x1 /mnt/e /mnt/t" [cg2]="/mnt/x2" [cg3]="/mnt/lx1 /mnt/ov")
declare -A WPID
for g in cg1 cg2 cg3; do
	new_cgroup "/sys/fs/cgroup/stress-$g" max
done
say "fill, then load for ${SECONDS_LOAD}s in 3 cgroups, headroom ${HEADROOM}M each"
t0=$(now_ms)
for g in cg1 cg2 cg3; do
	(worker "/sys/fs/cgroup/stress-$g" "${CACHES[$g]}" "${LOADS[$g]}" "${WANT[$g]}") &
	WPID[$g]=$!
done
bad=0
for g in cg1 cg2 cg3; do
	if ! wait "${WPID[$g]}"; then
		if [ "$(cg_oom_kills "/sys/fs/cgroup/stress-$g")" -gt 0 ]; then
			say "worker $g stopped on an OOM kill in its cgroup (reported below)"
		else
			say "FAIL: worker $g failed"
			bad=1
		fi
	fi
done
elapsed=$(($(now_ms) - t0))
echo 0 >$T/events/vmscan/mm_nofs_sb_reclaim/enable
echo 0 >$T/events/vmscan/mm_vmscan_memcg_reclaim_begin/enable
echo "memcg reclaims by gfp mask (mm_vmscan_memcg_reclaim_begin):"
grep -o 'mm_vmscan_memcg_reclaim_begin: .*gfp_flags=[^ ]*' $T/trace | sed 's/.*gfp_flags=//' |
	sort | uniq -c | sort -rn | head -n 8 | sed 's/^/  /'

counters_print
decisions
for g in cg1 cg2 cg3; do
	oom=$(cg_oom_kills "/sys/fs/cgroup/stress-$g")
	echo "$g: oom_kill=$oom peak=$(cat "/sys/fs/cgroup/stress-$g/memory.peak" 2>/dev/null) $(grep -E '^(slab_reclaimable|slab_unreclaimable|pgscan) ' "/sys/fs/cgroup/stress-$g/memory.stat" | tr '\n' ' ')"
	if [ "${oom:-0}" -ne 0 ]; then
		# which allocations the OOM killer was invoked for (gfp mask and
		# order), and who was killed: a scope that could not reclaim, or
		# an allocation outside any superblock scope.  Reported, not a
		# failure (see the header).
		say "OOM kill in $g, reported ($(oom_masks "$g"))"
	fi
done
printf 'load: %d.%03d s\n' $((elapsed / 1000)) $((elapsed % 1000))

say "unmount and check"
cleanup || fail "unmount or loop detach failed"
run "xfs_repair -n /dev/vda" "$XFS_REPAIR" -n /dev/vda
run "xfs_repair -n /dev/vdb" "$XFS_REPAIR" -n /dev/vdb
run "e2fsck -fn /dev/vdc" "$E2FSCK" -fn /dev/vdc
# the loop-backed filesystems, in their image files
mnt /mnt/e -t ext4 -o ro /dev/vdc
mnt /mnt/x2 -t xfs -o ro,norecovery /dev/vdb
for l in "${loops[@]}"; do
	run "xfs_repair -n ${l#*:}" "$XFS_REPAIR" -n -f "${l#*:}"
done
cleanup || fail "unmount failed"
say "all filesystems clean"

[ "$bad" = 0 ] || fail "see above"
# an allowed decision in the scope's own superblock (XFS's own cached
# objects) is not cross-superblock reclaim
if ! grep -q ' verdict=allow reason=foreign$' /tmp/decisions; then
	say "FAIL: no cross-superblock reclaim happened ($(delta nofs_sb_allowed) allowed decisions, none foreign)"
	exit 3
fi
# /tmp/decisions: "COUNT scope=S target=T verdict=V reason=R".  ext4's
# entries are reported, not required: whether an ext4 handle's reclaim
# reaches an XFS superblock shrinker varies between runs
n=$(awk '$2 == "scope=ext4:vdc" && $3 ~ /^target=xfs:/ && $5 == "reason=foreign" { n += $1 }
	END { print n + 0 }' /tmp/decisions)
say "ext4 scopes entered XFS superblocks: $n decisions"
n=$(awk '$2 ~ /^scope=xfs:/ && $3 == "target=ext4:vdc" && $5 == "reason=foreign" { n += $1 }
	END { print n + 0 }' /tmp/decisions)
say "XFS scopes entered ext4: $n decisions"
# the checks of what never happens read the trace: nothing may be lost
if [ "$(trace_lost)" -ne 0 ]; then
	say "FAIL: the trace lost $(trace_lost) events: ext4 and bdev decisions cannot be checked"
	exit 3
fi
if grep -q 'scope=ext4:vdc target=ext4:vdc verdict=allow' /tmp/decisions; then
	say "FAIL: an ext4 handle's reclaim entered its own ext4"
	exit 3
fi
# block device folios (the buffer cache) are left out before the decision
if grep -q ' target=bdev:bdev ' /tmp/decisions; then
	say "FAIL: decisions about the block device superblock were made and traced"
	exit 3
fi
exit 0
