#!/bin/bash
# Superblock-scoped NOFS reclaim in a real kernel (scripts/boot/run-qemu.sh
# --script scoped.sh [--args MEMMAX,SWITCH]).
# vm: disks=2G,2G,2G mem=1G cpus=2 timeout=900
#
#   scoped.sh [MEMMAX] [on|off]   memory.max (default 28M), vm.nofs_sb_reclaim
#
# XFS "scope" on /dev/vda, XFS "cache" on /dev/vdb, ext4 on /dev/vdc and a
# tmpfs.  Two parts:
#
# 1. The verdict, deterministic: the test driver (CONFIG_TEST_NOFS_SB,
#    debugfs nofs_sb_test/ctl) enters a superblock scope for the XFS
#    "scope" filesystem and for ext4 and asks for a decision about every
#    superblock, then drives reclaim of the slab caches from the XFS scope
#    with the dentry caches of the other XFS and of ext4 filled.  With the
#    switch on the other XFS, ext4 and tmpfs are entered (same depth,
#    targets), and the scope's own XFS only for its own objects, ext4's
#    not at all; with it off nothing is entered.  No memory pressure, no
#    timing: the outcome depends only on the rules.
# 2. Reported, with its invariants checked: in one memory-limited cgroup,
#    fill the dentry and inode caches of the XFS "cache" filesystem and
#    the tmpfs, then run a transaction-heavy workload (create with xattr,
#    rename, unlink, fsync) on the XFS "scope" filesystem and on ext4,
#    whose memory must come from reclaiming those caches.  Whether real
#    XFS transactions or ext4 handles reach a scoped decision before the
#    cgroup OOMs depends on which allocation hits the limit first (ext4
#    allocates its inodes with explicit GFP_NOFS, blanket by design), so
#    the decisions traced and the OOM kills are printed, not required.
#    What must hold however the load is timed: no scope but the XFS and
#    ext4 filesystems decides, ext4's scopes never enter ext4, no decision is made
#    about the block device superblock (its folios are left out before
#    the decision), with the switch off nothing is allowed, and the
#    workload fails only by an OOM kill.
# Exit: 0 ok; 3 a rule of part 1 or an invariant of part 2 did not hold;
# 1 setup failure or a workload error other than an OOM kill.
set -u

MEMMAX=${1:-28M}
SWITCH=${2:-on}
FILES=${FILES:-8000}
PER_DIR=1000
# part 1: unused dentries per filesystem, enough that "reclaimed" (at most
# half left) and "left alone" (none lost) cannot be confused
DET_FILES=2000
SAY_PREFIX=SCOPED
CTL=/sys/kernel/debug/nofs_sb_test/ctl
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

[ -w $CTL ] || fail "no $CTL (CONFIG_TEST_NOFS_SB)"
set_switch "$SWITCH"

mkfs_disks /mnt/scope /mnt/cache /mnt/ext4
mnt /mnt/tmpfs -t tmpfs -o size=256M tmpfs

# Record every scoped decision (vmscan:mm_nofs_sb_reclaim).
[ -d $T/events/vmscan/mm_nofs_sb_reclaim ] || fail "no mm_nofs_sb_reclaim tracepoint"
echo 8192 >$T/buffer_size_kb
echo 1 >$T/events/vmscan/mm_nofs_sb_reclaim/enable || fail "cannot enable mm_nofs_sb_reclaim"

# --- part 1: the rules, through the test driver
bad=0
# expect WHAT COND...: a rule of part 1; a failure is printed and counted
expect() {
	local what=$1
	shift
	if "$@"; then
		say "ok: $what"
	else
		say "FAIL: $what"
		bad=$((bad + 1))
	fi
}
# ctl COMMAND: one driver command; its report in /tmp/report
ctl() {
	echo "$*" >$CTL || fail "nofs_sb_test: '$*' failed"
	cat $CTL >/tmp/report
	sed 's/^/    /' /tmp/report
}
# The filesystems by name, and their devices as the report prints them
# (several superblocks are called "tmpfs")
declare -A DEV
for n in scope cache ext4 tmpfs; do
	DEV[$n]=$(awk -v m="/mnt/$n" '$5 == m { print $3 }' /proc/self/mountinfo)
	[ -n "${DEV[$n]}" ] || fail "no device for /mnt/$n in /proc/self/mountinfo"
done
# field NAME KEY: KEY=value of NAME's superblock in the last report
field() {
	awk -v d="dev=${DEV[$1]}" -v k="$2=" '$1 == "sb" && $4 == d {
		for (i = 2; i <= NF; i++)
			if (index($i, k) == 1)
				print substr($i, length(k) + 1)
	}' /tmp/report
}
decision() { [ "$(field "$1" allowed) $(field "$1" reason)" = "$2 $3" ]; }
# decisions NAME... ALLOWED REASON: the same decision for each of them
decisions_all() {
	local n want=("${@: -2}")
	for n in "${@:1:$#-2}"; do
		decision "$n" "${want[0]}" "${want[1]}" || return 1
	done
}
# dentries NAME: sets d0 and d1 (unused dentries before and after the last
# reclaim); false when NAME did not have its DET_FILES to begin with
dentries() {
	local d
	d=$(field "$1" dentries)
	d0=${d%->*}
	d1=${d#*->}
	[ -n "$d" ] && [ "$d0" -ge "$DET_FILES" ]
}
reclaimed() { dentries "$1" && [ "$d1" -le $((d0 / 2)) ]; }
allowed_and_freed() { [ "$(delta nofs_sb_allowed)" -gt 0 ] && [ "$(delta nofs_sb_freed)" -gt 0 ]; }
left_alone() { dentries "$1" && [ "$d1" -ge "$d0" ]; }

say "part 1: the rules, through the test driver (switch $SWITCH)"
if [ "$SWITCH" = on ]; then
	ctl decide /mnt/scope
	expect "XFS scope: the other XFS is entered" decision cache 0x7 foreign
	expect "XFS scope: tmpfs is entered" decision tmpfs 0x7 foreign
	expect "XFS scope: ext4 is entered" decision ext4 0x7 foreign
	expect "XFS scope: its own XFS only for XFS's own objects" decision scope 0x4 self
	ctl decide /mnt/ext4
	expect "ext4 scope: both XFS are entered" decisions_all scope cache 0x7 foreign
	expect "ext4 scope: tmpfs is entered" decision tmpfs 0x7 foreign
	expect "ext4 scope: its own ext4 is not" decision ext4 0x0 self
else
	ctl decide /mnt/scope
	expect "XFS scope, switch off: nothing is entered" \
		decisions_all scope cache ext4 tmpfs 0x0 disabled
	ctl decide /mnt/ext4
	expect "ext4 scope, switch off: nothing is entered" \
		decisions_all scope cache ext4 tmpfs 0x0 disabled
fi
populate /mnt/cache/det $DET_FILES || fail "populate /mnt/cache/det"
populate /mnt/ext4/det $DET_FILES || fail "populate /mnt/ext4/det"
counters_save
ctl reclaim sb /mnt/scope
if [ "$SWITCH" = on ]; then
	expect "reclaim in the XFS scope: the other XFS's dentries reclaimed" reclaimed cache
	expect "reclaim in the XFS scope: ext4's dentries reclaimed" reclaimed ext4
	expect "reclaim in the XFS scope: counted as allowed and freed" allowed_and_freed
else
	expect "reclaim in the XFS scope, switch off: the other XFS's dentries left alone" \
		left_alone cache
	expect "reclaim in the XFS scope, switch off: ext4's dentries left alone" left_alone ext4
	expect "reclaim in the XFS scope, switch off: nothing allowed" \
		[ "$(delta nofs_sb_allowed)" -eq 0 ]
fi
say "part 1: $bad rule(s) failed"

# --- part 2: real transactions and handles in a tight memcg
say "part 2: real load in a cgroup (memory.max=$MEMMAX), counts reported"
echo >$T/trace
new_cgroup /sys/fs/cgroup/scoped "$MEMMAX"
counters_save

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

# workload: in the cgroup: fill, then churn
workload() {
	trap - EXIT INT TERM
	echo "$BASHPID" >"$CG/cgroup.procs" || return 1
	populate /mnt/cache/p "$FILES" || return 1
	populate /mnt/tmpfs/p "$FILES" || return 1
	say "caches filled: $(keyval "$CG/memory.stat" slab_reclaimable) bytes reclaimable slab"
	churn /mnt/scope/w &
	local p1=$! r1=0 r2=0
	churn /mnt/ext4/w &
	local p2=$!
	# wait for both, also when one was killed: nothing may run on while
	# the counters are read
	wait $p1 || r1=$?
	wait $p2 || r2=$?
	[ "$r1" = 0 ] || return "$r1"
	return "$r2"
}
t0=$(now_ms)
(workload)
wrc=$?
elapsed=$(($(now_ms) - t0))
# An OOM kill may have hit the workload shell and left its children
# running: stop everything in the cgroup before reading the counters.
cgroup_kill "$CG" || true

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

oom=$(cg_oom_kills "$CG")
if [ "${oom:-0}" -gt 0 ]; then
	say "workload OOM-killed ($oom), reported only"
elif [ "$wrc" != 0 ]; then
	fail "workload exited rc=$wrc without an OOM kill"
fi
# What real reclaim did, reported: entering the other XFS or tmpfs from a
# real transaction needs reclaim at the right moment (see the header).
say "part 2: $(delta nofs_sb_allowed) scoped decisions allowed," \
	"$(awk '/target=(xfs:vdb|tmpfs:tmpfs) verdict=allow/ { n += $1 } END { print n + 0 }' /tmp/decisions)" \
	"of them into the other XFS or tmpfs, $(delta nofs_sb_freed) objects freed, ${oom:-0} OOM kill(s)"
# The invariants: they hold whatever the timing.  They are read from the
# trace, so none of its events may have been overwritten.
if [ "$(trace_lost)" -ne 0 ]; then
	say "FAIL: the trace lost $(trace_lost) events: the invariants cannot be checked"
	bad=$((bad + 1))
fi
# Only XFS transactions and ext4 handles open superblock scopes, and an ext4
# handle never enters ext4 (no ->nofs_sb_reclaim_self).  XFS scopes may.
if grep -v -E ' scope=(xfs:vd[ab]|ext4:vdc) ' /tmp/decisions | grep -q 'scope='; then
	say "FAIL: a scope other than the XFS and ext4 filesystems made decisions"
	bad=$((bad + 1))
fi
if grep -q 'scope=ext4:vdc target=ext4:vdc verdict=allow' /tmp/decisions; then
	say "FAIL: an ext4 handle's reclaim entered its own ext4"
	bad=$((bad + 1))
fi
# Block device folios (the buffer cache) are left out before the decision.
if grep -q ' target=bdev:bdev ' /tmp/decisions; then
	say "FAIL: decisions about the block device superblock were made and traced"
	bad=$((bad + 1))
fi
if [ "$SWITCH" = off ] && [ "$(delta nofs_sb_allowed)" -ne 0 ]; then
	say "FAIL: switch off, but scoped reclaim was allowed $(delta nofs_sb_allowed) times"
	bad=$((bad + 1))
fi
[ "$bad" -eq 0 ] || exit 3
exit 0
