#!/bin/bash
# Benchmark scenario, run in the guest by /init (host side: scripts/bench/bench.sh;
# scripts/boot/run-qemu.sh --script bench.sh --disk 2G --disk 2G --args k=v,...).
#
#   bench.sh key=value ...      (every key optional)
#     scenario=memcg|global     memcg: everything below runs in one cgroup
#                               with memory.max=MEMMAX; global: the cgroup
#                               has no limit (memory.max=max), the guest's
#                               memory is the limit (default memcg)
#     switch=on|off|na          vm.nofs_sb_reclaim; na: kernel without the
#                               series (the sysctl and counters must be absent)
#     wfs=xfs|ext4|tmpfs        filesystem of the workload Q: XFS or ext4 on
#                               /dev/vdb, or tmpfs (the GFP_KERNEL oracle: no
#                               transaction, no NOFS scope) (default xfs)
#     work=fsmark|untar|rm|gitmix   the workload on Q (default fsmark):
#                               fs_mark with the options below; untar: tar
#                               -xf of the archive (the read-only disk:
#                               /dev/vdc, or /dev/vda with disks=scsi);
#                               rm: rm -rf of that tree, extracted before
#                               outside the cgroup; gitmix: every
#                               file of that tree rewritten as a git
#                               checkout writes it (new file, rename over
#                               the old; guest/gitmix.c)
#     pdev=disk|dm              P on /dev/vda, or on dm-linear over it
#                               (default disk)
#     pfs=xfs|ext4              filesystem of the cache P (default xfs)
#     disks=virtio|scsi         P and Q on /dev/vda and /dev/vdb (virtio_blk),
#                               or on /dev/sda and /dev/sdb (two virtio-scsi
#                               controllers: run-qemu.sh --hba virtio-scsi:2G
#                               twice) (default virtio)
#     memmax=28M                memory.max (scenario=memcg)
#     fill=20000                files of the cache filesystem P (/dev/vda)
#     n=4000 t=2 s=0 L=3 D=16 S=0   fs_mark -n -t -s -L -D -S on Q
#     tmo=300                   the workload is killed after this many seconds
#     tbuf=4096                 trace buffer per CPU, KiB
#
# P is filled outside the cgroup (fs_mark -k, 5000 files at a time, synced),
# unmounted and mounted again
# (a clean, empty cache), then every file of P is stat'ed (du) inside the
# cgroup: its dentries and inodes are charged to the cgroup.  Then fs_mark
# runs on Q in the same cgroup: its memory must come from reclaiming P's
# cache, and its XFS transactions are superblock NOFS scopes.
#
# Output: "BENCH <section> key=value ..." lines for the host (scripts/bench/bench.sh);
# "n/a" where the kernel lacks a counter.  An OOM kill or a timeout of the
# workload is data: the exit status is 0 unless the set-up failed.
set -u
SAY_PREFIX=BENCH-GUEST
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

scenario=memcg switch=on wfs=xfs work=fsmark pdev=disk pfs=xfs disks=virtio memmax=28M fill=20000
n=4000 t=2 s=0 L=3 D=16 S=0 tmo=300 tbuf=4096
for kv in "$@"; do
	case $kv in
	scenario=* | switch=* | wfs=* | work=* | pdev=* | pfs=* | disks=* | memmax=* | fill=* | n=* | t=* | s=* | L=* | D=* | S=* | tmo=* | tbuf=*)
		printf -v "${kv%%=*}" '%s' "${kv#*=}"
		;;
	*) fail "unknown argument '$kv'" ;;
	esac
done
case $scenario in memcg | global) ;; *) fail "scenario must be memcg or global" ;; esac
case $wfs in xfs | ext4 | tmpfs) ;; *) fail "wfs must be xfs, ext4 or tmpfs" ;; esac
case $work in fsmark | untar | rm | gitmix) ;; *) fail "work must be fsmark, untar, rm or gitmix" ;; esac
case $pdev in disk | dm) ;; *) fail "pdev must be disk or dm" ;; esac
case $pfs in xfs | ext4) ;; *) fail "pfs must be xfs or ext4" ;; esac
case $disks in
virtio) PD=/dev/vda QD=/dev/vdb AD=/dev/vdc ;;
scsi) PD=/dev/sda QD=/dev/sdb AD=/dev/vda ;;
*) fail "disks must be virtio or scsi" ;;
esac
for v in fill n t s L D S tmo tbuf; do
	[[ ${!v} =~ ^[0-9]+$ ]] || fail "$v=${!v} is not a number"
done

FSMARK=/usr/bin/fs_mark
T=/sys/kernel/tracing
[ -x $FSMARK ] || fail "no $FSMARK in the initramfs"
wait_dev $PD $QD
if [ "$work" != fsmark ]; then
	wait_dev $AD
	command -v gitmix >/dev/null || fail "no gitmix in the initramfs"
fi
echo "BENCH info uname=$(uname -r) scenario=$scenario switch=$switch wfs=$wfs work=$work pdev=$pdev pfs=$pfs disks=$disks memmax=$memmax fill=$fill" \
	"fsmark=-n_${n}_-t_${t}_-s_${s}_-L_${L}_-D_${D}_-S_${S} memtotal_kb=$(keyval /proc/meminfo MemTotal:)" \
	"cpus=$(grep -c '^processor' /proc/cpuinfo)" \
	"clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

# --- the switch
if [ -f /proc/sys/vm/nofs_sb_reclaim ]; then
	set_switch "$switch"
	echo "BENCH info nofs_sb_reclaim=$(cat /proc/sys/vm/nofs_sb_reclaim)"
else
	[ "$switch" = na ] || fail "switch=$switch, but the kernel has no vm.nofs_sb_reclaim"
	echo "BENCH info nofs_sb_reclaim=n/a"
fi

# --- filesystems: P (the cache) and Q (the workload)
pdevice=$PD
if [ "$pdev" = dm ]; then
	run "dmsetup create bench-p" "$DMSETUP" create bench-p \
		--table "0 $(cat "/sys/class/block/${PD#/dev/}/size") linear $PD 0"
	undo+=("dm bench-p")
	pdevice=/dev/mapper/bench-p
fi
if [ "$pfs" = xfs ]; then
	run "mkfs.xfs $pdevice" "$MKXFS" -f -q "$pdevice"
else
	run "mkfs.ext4 $pdevice" mke2fs -q -F -t ext4 "$pdevice"
fi
mnt /mnt/p -t "$pfs" "$pdevice"
case $wfs in
xfs)
	run "mkfs.xfs $QD" "$MKXFS" -f -q $QD
	mnt /mnt/q -t xfs $QD
	;;
ext4)
	run "mkfs.ext4 $QD" mke2fs -q -F -t ext4 $QD
	mnt /mnt/q -t ext4 $QD
	;;
tmpfs) mnt /mnt/q -t tmpfs -o size=1G,nr_inodes=0 tmpfs ;;
esac
# rm and gitmix work on the archive's tree, extracted outside the cgroup,
# written back and evicted (Q mounted again) so that the cgroup charges
# what the workload reads
if [ "$work" = rm ] || [ "$work" = gitmix ]; then
	mkdir -p /mnt/q/w || fail "mkdir /mnt/q/w"
	run "tar -xf $AD (setup)" tar -xf $AD -C /mnt/q/w
	sync
	if [ "$wfs" != tmpfs ]; then
		run "umount /mnt/q" "$UMOUNT" /mnt/q
		run "mount /mnt/q" "$MOUNT" -t "$wfs" $QD /mnt/q
	fi
fi
t0=$(now_ms)
# In chunks of $chunk files, each written back (sync) before the next:
# dirty XFS inodes cannot be reclaimed until the log is pushed, and 50000
# of them in one go fill a 128M guest (the global scenario's fill was
# OOM-killed in 11 of 25 boots).  Clean ones are reclaimable.
chunk=5000
for ((done_files = 0, i = 0; done_files < fill; i++)); do
	k=$((fill - done_files < chunk ? fill - done_files : chunk))
	run "fs_mark fill of P ($done_files+$k of $fill files)" $FSMARK -d "/mnt/p/fill$i" -n "$k" \
		-t 1 -s 0 -S 0 -L 1 -k -l /tmp/fill.log
	sync
	done_files=$((done_files + k))
done
# A clean, empty cache: what follows charges P's inodes and dentries anew.
run "umount /mnt/p" "$UMOUNT" /mnt/p
run "mount /mnt/p" "$MOUNT" -t "$pfs" "$pdevice" /mnt/p
# P's superblock shrinker (debugfs, CONFIG_SHRINKER_DEBUG), renamed
# sb-xfs:vda-ID (sb-xfs:dm-0-ID, sb-ext4:...) at mount; the one of the
# first mount is gone.
pmajmin=$(awk '$5 == "/mnt/p" { d = $3 } END { print d }' /proc/self/mountinfo)
pname=$(basename "$(readlink -f "/sys/dev/block/$pmajmin")")
pshrinker=$(ls -d /sys/kernel/debug/shrinker/sb-"$pfs":"$pname"-* 2>/dev/null | tail -n 1)
sync
echo 3 >/proc/sys/vm/drop_caches
echo "BENCH info fill_ms=$(($(now_ms) - t0))"

# Objects P's shrinker could free, summed over memcgs and nodes.
p_objects() {
	if [ -n "$pshrinker" ]; then
		awk '{ for (i = 2; i <= NF; i++) s += $i } END { print s + 0 }' "$pshrinker/count"
	else
		echo n/a
	fi
}

# scenario=global runs in a cgroup too (memory.max=max, no limit): it
# gives memory.stat and a clean kill of every fs_mark process.
if [ "$scenario" = memcg ]; then
	new_cgroup /sys/fs/cgroup/bench "$memmax"
else
	new_cgroup /sys/fs/cgroup/bench max
	# The bench shell is never the global OOM victim; the workload resets it.
	echo -1000 >/proc/self/oom_score_adj
fi
join_cg() { echo "$BASHPID" >"$CG/cgroup.procs"; }
mstat() { keyval "$CG/memory.stat" "$1"; }
mevent() { keyval "$CG/memory.events" "$1"; }

# --- fill P's cache (stat every file) inside the cgroup
t0=$(now_ms)
(
	join_cg || exit 1
	du -s /mnt/p >/dev/null
) || fail "stat of P's files"
echo "BENCH cache stat_ms=$(($(now_ms) - t0)) p_objects=$(p_objects)" \
	"memcg_current=$(cat "$CG/memory.current")" \
	"slab_reclaimable=$(mstat slab_reclaimable)" \
	"memfree_kb=$(keyval /proc/meminfo MemFree:)"

# --- counters before
VMKEYS="allocstall_dma allocstall_dma32 allocstall_normal allocstall_movable pgscan_direct pgsteal_direct pgscan_kswapd pgsteal_kswapd slabs_scanned oom_kill nofs_sb_allowed nofs_sb_denied_disabled nofs_sb_denied_self nofs_sb_denied_unknown nofs_sb_denied_depth nofs_sb_denied_target nofs_sb_freed"
declare -A vm0
# (no process substitution: the guest has no /dev/fd)
cp /proc/vmstat /tmp/vmstat0
while read -r k v; do vm0[$k]=$v; done </tmp/vmstat0
ms0_pgscan=$(mstat pgscan) ms0_pgsteal=$(mstat pgsteal)

# --- reclaim tracepoints: begin/end pairs per pid give each reclaim's
# latency; the shrinkers' mm_shrink_slab_end events of that pid in between
# give what it freed from slab (memcg reclaim's nr_reclaimed counts pages
# only: slab is not attributed to a memcg's reclaim in 6.12); oom's
# mark_victim tells the calls made before the first OOM kill from those
# after it
TRACE_EVENTS="vmscan/mm_vmscan_memcg_reclaim_begin vmscan/mm_vmscan_memcg_reclaim_end
	vmscan/mm_vmscan_direct_reclaim_begin vmscan/mm_vmscan_direct_reclaim_end
	vmscan/mm_shrink_slab_end oom/mark_victim"
echo 0 >$T/tracing_on
echo mono >$T/trace_clock # sched_clock may tick in jiffies under TCG
echo "$tbuf" >$T/buffer_size_kb
echo >$T/trace
for e in $TRACE_EVENTS; do
	echo 1 >"$T/events/$e/enable" || fail "cannot enable $e"
done
echo 1 >$T/tracing_on

# --- the workload
fsm_log=/tmp/fsmark.out
t0=$(now_ms)
(
	trap - EXIT INT TERM
	join_cg || exit 1
	echo 0 >/proc/self/oom_score_adj
	case $work in
	fsmark) exec $FSMARK -d /mnt/q/w -n "$n" -t "$t" -s "$s" -L "$L" -D "$D" -S "$S" -l /tmp/fsmark.log ;;
	untar) mkdir -p /mnt/q/w && exec tar -xf $AD -C /mnt/q/w ;;
	rm) exec rm -rf /mnt/q/w ;;
	gitmix) exec gitmix /mnt/q/w ;;
	esac
) >"$fsm_log" 2>&1 &
wpid=$!
# Watchdog: a workload stuck longer than tmo seconds is killed (timeout).
(
	trap - EXIT INT TERM
	sleep "$tmo"
	touch /tmp/bench-timeout
	echo 1 >"$CG/cgroup.kill"
) &
dog=$!
wrc=0
wait "$wpid" || wrc=$?
elapsed=$(($(now_ms) - t0))
kill "$dog" 2>/dev/null
wait "$dog" 2>/dev/null
# An OOM kill may leave fs_mark children: stop the cgroup before reading.
# Tracing stops after them: what they reclaimed until they died is in the
# counters and in P's count read below, so it is in the trace too.
cgroup_kill "$CG" || true
echo 0 >$T/tracing_on

# --- verdict of the run
oomk_vm=$(($(vm oom_kill) - vm0[oom_kill]))
oomk=$(mevent oom_kill) # memcg and global OOM kills of the workload
if [ -e /tmp/bench-timeout ]; then
	reason=timeout
elif [ "$oomk" -gt 0 ]; then
	reason=oom
elif [ "$wrc" != 0 ]; then
	reason=error
else
	reason=ok
fi
completed=no
[ "$reason" = ok ] && completed=yes
fps=$(awk '$1 ~ /^[0-9]+$/ && NF == 5 { s += $4; k++ } END { if (k) printf "%.1f", s / k; else print "n/a" }' "$fsm_log")
echo "BENCH result completed=$completed reason=$reason rc=$wrc time_ms=$elapsed oom_kill=$oomk files_per_sec=$fps"
if [ "$reason" = error ]; then
	sed "s/^/$work: /" "$fsm_log" | tail -n 5
fi
# The workload's own per-operation latency, where it measures one
# (gitmix: each file's rewrite, open to rename)
if [ "$work" = gitmix ] && [ "$completed" = yes ]; then
	op=$(awk '$1 == "gitmix" { $1 = ""; print; exit }' "$fsm_log")
	[ -n "$op" ] || fail "gitmix completed without its statistics line"
	echo "BENCH op kind=gitmix$op"
fi

# --- counters after (delta)
declare -A vm1
cp /proc/vmstat /tmp/vmstat1
while read -r k v; do vm1[$k]=$v; done </tmp/vmstat1
line="BENCH vmstat"
allocstall=0
for k in $VMKEYS; do
	if [ -n "${vm1[$k]:-}" ] && [ -n "${vm0[$k]:-}" ]; then
		d=$((vm1[$k] - vm0[$k]))
		case $k in allocstall_*) allocstall=$((allocstall + d)) ;; *) line+=" $k=$d" ;; esac
	else
		case $k in allocstall_*) ;; *) line+=" $k=n/a" ;; esac
	fi
done
echo "$line allocstall=$allocstall"
echo "BENCH memcg pgscan=$(($(mstat pgscan) - ms0_pgscan)) pgsteal=$(($(mstat pgsteal) - ms0_pgsteal))" \
	"max_events=$(mevent max) oom=$(mevent oom) oom_kill=$oomk oom_kill_vmstat=$oomk_vm" \
	"slab_reclaimable=$(mstat slab_reclaimable) p_objects=$(p_objects)"

# --- reclaim latency from the begin/end pairs (per pid, same kind), and
# what each call freed: pages (nr_reclaimed) and slab objects (the return
# values of the shrinkers it ran).  p50/p99/max are over the calls that
# freed something and began before the first OOM kill (n_freed): a call
# that freed nothing (a NOFS call with nothing it may reclaim) gives up
# early, its count is n_empty and its time sum_empty_us; a call begun
# after an OOM kill runs in a cgroup its victim has just emptied
# (n_after_oom).  Times are rounded to the microsecond.
overrun=$(trace_lost)
awk '
	/ mm_vmscan_(memcg|direct)_reclaim_(begin|end):| mm_shrink_slab_end:| mark_victim:/ {
		for (i = 2; i <= NF; i++) if ($i ~ /^(mm_(vmscan|shrink)_|mark_victim:)/) break
		ev = $i; ts = $(i - 1); sub(/:$/, "", ev); sub(/:$/, "", ts)
		if (ev == "mark_victim") {
			if (oom == "") oom = ts
			next
		}
		for (j = 1; j < i; j++) if ($j ~ /^\[[0-9]+\]$/) break
		pid = $(j - 1); sub(/.*-/, "", pid)
		if (ev == "mm_shrink_slab_end") {
			if (pid in slab) slab[pid] += $NF
			next
		}
		kind = (ev ~ /memcg/) ? "memcg" : "direct"
		key = kind " " pid
		if (ev ~ /_begin$/) {
			start[key] = ts; slab[pid] = 0
			scoped[key] = ($0 ~ /gfp_flags=[^ ]*__GFP_NOFS_SB/)
			next
		}
		if (key in start) {
			nr = $(i + 1); sub(/^nr_reclaimed=/, "", nr)
			line = sprintf("%d %d %d %d", int((ts - start[key]) * 1000000 + 0.5), nr,
				slab[pid], (oom != "" && start[key] + 0 > oom + 0))
			print kind, line
			if (scoped[key])
				print "scoped", line
			delete start[key]
			delete slab[pid]
		}
	}' $T/trace >/tmp/lat
# kind scoped: the memcg and direct calls begun in a superblock scope
# (__GFP_NOFS_SB in the gfp mask), which hold its locks; slab_max is the
# most slab objects one call freed
for kind in memcg direct scoped; do
	awk -v k="$kind" '$1 == k { print $2, $3, $4, $5 }' /tmp/lat | sort -n | awk -v k="$kind" -v o="$overrun" '
		{
			n++; sum += $1; nr += $2; sl += $3; after += $4
			if ($3 > slmax) slmax = $3
			if ($2 + $3 == 0) { empty++; esum += $1 }
			else if (!$4) lat[++f] = $1
		}
		function pct(p,  i) { i = int(f * p / 100 + 0.999999); if (i < 1) i = 1; return lat[i] }
		END {
			printf "BENCH lat kind=%s n=%d n_empty=%d sum_empty_us=%d n_after_oom=%d n_freed=%d sum_us=%d ",
				k, n, empty, esum, after, f, sum
			if (f == 0)
				printf "p50_us=n/a p99_us=n/a max_us=n/a "
			else
				printf "p50_us=%d p99_us=%d max_us=%d ", pct(50), pct(99), lat[f]
			printf "nr_reclaimed=%d slab_freed=%d slab_max=%d trace_overrun=%d\n", nr, sl, slmax, o
		}'
done
for e in $TRACE_EVENTS; do
	echo 0 >"$T/events/$e/enable"
done
echo >$T/trace
echo "BENCH done"
exit 0
