# shellcheck shell=bash
# shellcheck disable=SC2317 # cleanup functions run from the EXIT trap
# shellcheck disable=SC2034 # variables used by the scenarios that source this
# Helpers shared by the guest scenarios (sourced, not run).  A scenario
# sets SAY_PREFIX, CG (its cgroup) and calls the helpers; cleanup (kill the
# cgroup, unmount in reverse order, detach loop devices) runs on every exit
# path and a failed unmount makes the exit status 1.
#
# busybox applets would shadow the real tools in ash, and the scenarios run
# under bash anyway: the real tools are called by full path.

MKE2FS=/sbin/mke2fs
MKXFS=/sbin/mkfs.xfs
LOSETUP=/sbin/losetup
MOUNT=/bin/mount
UMOUNT=/bin/umount
DMSETUP=/sbin/dmsetup
MDADM=/sbin/mdadm
# no udev in the guest: dmsetup makes the /dev/mapper nodes itself, mdadm
# /dev/mdN
export DM_DISABLE_UDEV=1 MDADM_NO_UDEV=1
SAY_PREFIX=${SAY_PREFIX:-GUEST}

# Undo stack, pushed as each step succeeds: "cgroup", "umount DIR", "loop DEV",
# "dm NAME".
undo=()
loopdev=

say() { echo "$SAY_PREFIX: $*"; }
fail() {
	say "FAIL: $*"
	exit 1
}
# skip WHY: an inconclusive run, neither pass nor fail (the kselftest skip
# code, 4; run-qemu.sh reports it as such)
skip() {
	say "SKIP: $*"
	exit 4
}

# cgroup_kill [DIR]: kill everything in the cgroup DIR (default $CG) and
# wait (up to 30 s) until it is empty; 1, silently, if processes are left.
cgroup_kill() {
	local i CG=${1:-$CG}
	[ -f "$CG/cgroup.kill" ] && echo 1 >"$CG/cgroup.kill"
	for ((i = 0; i < 300; i++)); do
		[ -z "$(cat "$CG/cgroup.procs" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# cgroup_cleanup [DIR]: cgroup_kill DIR (default $CG), then remove it.
cgroup_cleanup() {
	local CG=${1:-$CG}
	[ -d "$CG" ] || return 0
	if ! cgroup_kill "$CG"; then
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
		cgroup) cgroup_cleanup "$arg" || ok=1 ;;
		umount)
			if ! out=$("$UMOUNT" "$arg" 2>&1); then
				say "FAIL: umount $arg: $out"
				ok=1
			fi
			;;
		dm)
			if ! out=$("$DMSETUP" remove "$arg" 2>&1); then
				say "FAIL: dmsetup remove $arg: $out"
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
	4) ;; # skip() said why
	3) say "FAIL: expected result not seen (see above)" ;;
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

# wait_dev DEV...: the virtio disks may appear a moment after /init starts.
wait_dev() {
	local dev i
	for dev in "$@"; do
		for ((i = 0; i < 50; i++)); do
			[ -b "$dev" ] && break
			sleep 0.1
		done
		[ -b "$dev" ] || fail "no block device $dev (run-qemu.sh needs one --disk per device)"
	done
}

# cg_oom_kills CGROUP: the oom_kill count of CGROUP's memory.events
cg_oom_kills() { keyval "$1/memory.events" oom_kill; }

# new_cgroup DIR MEMMAX: create the workload cgroup, pushed for cleanup.
new_cgroup() {
	CG=$1
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
		fail "memory controller not enabled in /sys/fs/cgroup/cgroup.subtree_control"
	mkdir "$CG" || fail "mkdir $CG"
	undo+=("cgroup $CG")
	echo "$2" >"$CG/memory.max" || fail "memory.max=$2 rejected"
	say "memory.max=$(cat "$CG/memory.max")"
}

# now_ms: milliseconds since boot-ish, for elapsed times
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# mkfs_disks XFS1 XFS2 EXT4: XFS on /dev/vda and /dev/vdb, ext4 on
# /dev/vdc, mounted on those directories.
mkfs_disks() {
	wait_dev /dev/vda /dev/vdb /dev/vdc
	say "mkfs"
	run "mkfs.xfs /dev/vda" "$MKXFS" -f -q /dev/vda
	run "mkfs.xfs /dev/vdb" "$MKXFS" -f -q /dev/vdb
	run "mke2fs /dev/vdc" "$MKE2FS" -t ext4 -q -F /dev/vdc
	mnt "$1" -t xfs /dev/vda
	mnt "$2" -t xfs /dev/vdb
	mnt "$3" -t ext4 /dev/vdc
}

# The series' counters: counters_save before, counters_print after (deltas).
T=/sys/kernel/tracing
COUNTERS="nofs_sb_allowed nofs_sb_denied_disabled nofs_sb_denied_self nofs_sb_denied_unknown nofs_sb_denied_depth nofs_sb_denied_target nofs_sb_freed slabs_scanned"
declare -A before
# populate DIR N [PER_DIR]: N empty files in directories DIR/d0, DIR/d1, ...
# of PER_DIR files (default 1000), created with `: >file` (no fork per
# file) unless DIR exists, then all stat'ed (ls -lR): their dentries and
# inodes cached, charged to the caller's cgroup
populate() {
	local d f per=${3:-1000}
	if [ ! -d "$1" ]; then
		for ((d = 0; d < $2 / per; d++)); do
			mkdir -p "$1/d$d" || return 1
			for ((f = 0; f < per; f++)); do
				: >"$1/d$d/f$f" || return 1
			done
		done
	fi
	ls -lR "$1" >/dev/null
}

# keyval FILE KEY: the value after KEY in a "KEY VALUE" file (/proc/vmstat,
# /proc/meminfo with its colons, memory.events, memory.stat)
keyval() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
vm() { keyval /proc/vmstat "$1"; }

# set_switch on|off (or 1|0): vm.nofs_sb_reclaim; fails on a kernel without it
set_switch() {
	[ -f /proc/sys/vm/nofs_sb_reclaim ] || fail "switch $1, but the kernel has no vm.nofs_sb_reclaim"
	case $1 in
	on | 1) echo 1 >/proc/sys/vm/nofs_sb_reclaim ;;
	off | 0) echo 0 >/proc/sys/vm/nofs_sb_reclaim ;;
	*) fail "set_switch $1: on or off" ;;
	esac || fail "cannot write vm.nofs_sb_reclaim"
}
counters_save() {
	local c
	for c in $COUNTERS; do before[$c]=$(vm "$c"); done
}
counters_print() {
	local c
	echo "counters (delta, vm.nofs_sb_reclaim=$(cat /proc/sys/vm/nofs_sb_reclaim)):"
	for c in $COUNTERS; do
		printf '  %-26s %s\n' "$c" $(($(vm "$c") - before[$c]))
	done
}
# delta COUNTER: its change since counters_save
delta() { echo $(($(vm "$1") - before[$1])); }

# trace_lost: events the ring buffer overwrote (all CPUs).  A check that
# something never appears in the trace means nothing if any were lost.
trace_lost() {
	cat $T/per_cpu/cpu*/stats | awk '$1 == "overrun:" { n += $2 } END { print n + 0 }'
}

# decisions: the mm_nofs_sb_reclaim events in the trace buffer, counted by
# scope, target, verdict and reason; also left in /tmp/decisions
decisions() {
	echo "decisions (scope target verdict reason: count; $(trace_lost) events lost):"
	grep -o 'scope=[^ ]* depth=[-0-9]* target=[^ ]* depth=[-0-9]* .*verdict=[a-z]* reason=[a-z_]*' $T/trace |
		awk '{ print $1, $3, $7, $8 }' | sort | uniq -c | sort -rn | sed 's/^/  /' | tee /tmp/decisions
}
