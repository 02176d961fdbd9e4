#!/usr/bin/env bash
# make bench: superblock-scoped NOFS reclaim, measured (DESIGN.md section 10).
#
#   bench.sh            every scenario x configuration, RUNS fresh boots each;
#                       tables in build/bench/results.txt, plot bench.png
#   bench.sh --report   tables, plot and cover-table.txt again from the
#                       records and logs of the last run in BENCH_OUT
#   bench.sh --demo     memcg squeeze, switch off vs on only (make demo):
#                       prints a side-by-side table and a reading of it
#
# Scenarios (guest/bench.sh does the work in the guest):
#   memcg   one cgroup with memory.max: the dentry/inode cache of XFS P
#           (/dev/vda, FILL files stat'ed) is charged to it, then fs_mark
#           runs on XFS Q (/dev/vdb) in the same cgroup
#   global  the same pair in a guest with little memory, no memory limit
#   overhead the test driver's "overhead" (CONFIG_TEST_NOFS_SB) on the
#           patched kernel, guest side guest/overhead.sh: ns per scope
#           entry and exit, per allocation outside a scope and in each
#           kind, per reclaim decision, with 0, 100 and 1000 extra
#           superblocks mounted (DESIGN.md section 10, overhead); one
#           guest CPU: with two, the TSC fails its sync check under TCG
#           and the clock falls back to jiffies (4 ms)
# Configurations:
#   off        patched kernel, vm.nofs_sb_reclaim=0 (blanket GFP_NOFS)
#   on         the same kernel image, vm.nofs_sb_reclaim=1
#   on-dm      as on, with P on dm-linear over its disk (a device-mapper
#              device whose reclaim depth comes from its component)
#   unpatched  the tree's $BASE_TAG built with the same config fragments
#              (worktree build/unpatched/linux, output build/out/x86-unpatched)
#   oracle     patched kernel, switch off, fs_mark on tmpfs instead of XFS Q:
#              no transaction, no NOFS scope, so every reclaim it triggers is
#              GFP_KERNEL and may prune P (see the results' header)
#   off-ext4, on-ext4    as off and on, with the workload Q on ext4 (its
#              journal handles are the superblock scopes)
#   off-ext4p, on-ext4p  as off and on, with the cache P on ext4 (a
#              target: XFS transactions may enter it)
#   off-scsi, on-scsi    as off and on, with P and Q on virtio-scsi disks
#              (sd, at depth 0 by the host's declaration) instead of virtio_blk
#   (these pairs are not in the default list: BENCH_CONFIGS)
#
# Knobs (environment; defaults in brackets):
#   RUNS [5]  BENCH_CONFIGS ["off on on-dm unpatched oracle"]
#   BENCH_SCENARIOS ["memcg global overhead"]  BENCH_OUT [build/bench]
#   memcg:  BENCH_MEMMAX [28M] BENCH_FILL [20000] BENCH_MEM [512M]
#   global: BENCH_GLOBAL_MEM [128M] BENCH_GLOBAL_FILL [50000]
#   fs_mark on Q: BENCH_N [2000] (memcg) BENCH_GLOBAL_N [4000] (global)
#                 BENCH_T [2] BENCH_S [0] BENCH_L [3] BENCH_D [16]
#                 BENCH_SYNC [0] (-n, -t -s -L -D -S)
#   BENCH_TMO [300] guest watchdog for the workload (s)
#   overhead: BENCH_OVH_RUNS [3] boots, BENCH_OVH_LOOPS [200000],
#             BENCH_OVH_MOUNTS ["0,100,1000"]
#   BENCH_BUILD [1] 0: use the existing bzImages as they are
# An OOM kill, a timeout or a kernel splat of one run is data: the run is
# recorded and the benchmark goes on.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=bench

demo=0 report=0
case ${1:-} in
--demo) demo=1 ;;
--report) report=1 ;;
"") ;;
*) die "usage: bench.sh [--demo | --report]" ;;
esac

CONFIGS=${BENCH_CONFIGS:-off on on-dm unpatched oracle}
SCENARIOS=${BENCH_SCENARIOS:-memcg global overhead}
if [ $demo = 1 ]; then
	RUNS=${RUNS:-2}
	CONFIGS="off on"
	SCENARIOS=memcg
else
	RUNS=${RUNS:-5}
fi
BOUT=${BENCH_OUT:-$BUILD/bench}
[ $demo = 1 ] && BOUT=${BENCH_OUT:-$BUILD/bench/demo}
MEMMAX=${BENCH_MEMMAX:-28M}
FILL=${BENCH_FILL:-20000}
MEM=${BENCH_MEM:-512M}
GMEM=${BENCH_GLOBAL_MEM:-128M}
GFILL=${BENCH_GLOBAL_FILL:-50000}
FN=${BENCH_N:-2000} GFN=${BENCH_GLOBAL_N:-4000} FT=${BENCH_T:-2} FS=${BENCH_S:-0} FL=${BENCH_L:-3}
FD=${BENCH_D:-16} FSYNC=${BENCH_SYNC:-0}
TMO=${BENCH_TMO:-300}
OLOOPS=${BENCH_OVH_LOOPS:-200000}
ORUNS=${BENCH_OVH_RUNS:-3}
OMOUNTS=${BENCH_OVH_MOUNTS:-0,100,1000}
[[ $OMOUNTS =~ ^[0-9]+(,[0-9]+)*$ ]] || die "BENCH_OVH_MOUNTS=$OMOUNTS is not a comma-separated list of numbers"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS is not a positive number"
for c in $CONFIGS; do
	case $c in off | on | on-dm | unpatched | oracle | off-ext4 | on-ext4 | off-ext4p | on-ext4p | \
		off-scsi | on-scsi) ;;
	*) die "unknown configuration '$c'" ;;
	esac
done
for s in $SCENARIOS; do
	case $s in memcg | global | overhead) ;; *) die "unknown scenario '$s'" ;; esac
done
for v in FILL GFILL FN GFN FT FS FL FD FSYNC TMO OLOOPS ORUNS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v=${!v} is not a number"
done
need python3 git

# --- kernels (not for --report)
need_unpatched=0
case " $CONFIGS " in *" unpatched "*) need_unpatched=1 ;; esac
if [ $report = 1 ]; then
	tree_ok || die "no kernel tree with tag $BASE_TAG (run: make tree)"
else
	bench_kernels $need_unpatched
fi

# --- runs (--report: only the tables, plot and reading again, from the
# records and serial logs of the last run in $BOUT)
records=$BOUT/runs.txt
meta=$BOUT/meta.txt
if [ $report = 1 ]; then
	[ -s "$records" ] && [ -s "$meta" ] || die "no recorded runs in $BOUT (run: make bench)"
else
mkdir -p "$BOUT/logs"
: >"$records"
initrd=$BOUT/initramfs.cpio.gz
"$TOP/scripts/boot/mk-initramfs.sh" "$initrd"
{
	bench_meta $need_unpatched
	echo "config_fragments=configs/x86-base.config (scripts/build/build-kernel.sh base, both kernels; the unpatched one without the series' own CONFIG_TEST_NOFS_SB)"
	echo "runs=$RUNS configs=$CONFIGS scenarios=$SCENARIOS"
	echo "memcg=guest memory $MEM, memory.max $MEMMAX, P: $FILL files"
	echo "global=guest memory $GMEM, no memory limit (cgroup with memory.max=max), P: $GFILL files"
	echo "fsmark=fs_mark -d /mnt/q/w -n $FN (memcg) / $GFN (global) -t $FT -s $FS -L $FL -D $FD -S $FSYNC (P filled with fs_mark -n 5000 -t 1 -s 0 -S 0 -L 1 -k per directory, synced after each, until FILL files)"
	echo "watchdog=$TMO s per workload"
	echo "overhead=test driver \"overhead /mnt/p $OLOOPS\" (guest/overhead.sh), XFS P on /dev/vda, extra tmpfs mounts $OMOUNTS, patched kernel, guest memory $MEM, 1 CPU"
} >"$meta"
ovh=$BOUT/overhead.txt
rm -f "$ovh"

total=0
for s in $SCENARIOS; do
	[ "$s" = overhead ] && total=$((total + ORUNS)) && continue
	for c in $CONFIGS; do total=$((total + RUNS)); done
done
info "bench: $total QEMU runs ($RUNS per configuration: $CONFIGS; scenarios: $SCENARIOS), output $BOUT"
k=0
t_all=$(now)
# Configurations interleave within each round, so a drift of the host's
# speed touches all of them alike.
for r in $(seq "$RUNS"); do
	for s in $SCENARIOS; do
		[ "$s" = overhead ] && continue
		for c in $CONFIGS; do
			k=$((k + 1))
			kernel=$BZ_PATCHED switch=$c wfs=xfs pdev=disk pfs=xfs disks=virtio
			case $c in
			on-dm) switch=on pdev=dm ;;
			*-ext4) switch=${c%-ext4} wfs=ext4 ;;
			*-ext4p) switch=${c%-ext4p} pfs=ext4 ;;
			*-scsi) switch=${c%-scsi} disks=scsi ;;
			unpatched) kernel=$BZ_UNPATCHED switch=na ;;
			oracle) switch=off wfs=tmpfs ;;
			esac
			if [ "$s" = memcg ]; then
				mem=$MEM args="scenario=memcg,memmax=$MEMMAX,fill=$FILL,n=$FN"
			else
				mem=$GMEM args="scenario=global,fill=$GFILL,n=$GFN"
			fi
			args+=",switch=$switch,wfs=$wfs,pdev=$pdev,pfs=$pfs,disks=$disks,t=$FT,s=$FS,L=$FL,D=$FD,S=$FSYNC,tmo=$TMO"
			log=$BOUT/logs/$s-$c-$r.log
			t0=$(now)
			status=ok
			vmdisks=(--disk 2G --disk 2G)
			[ "$disks" = scsi ] && vmdisks=(--hba virtio-scsi:2G --hba virtio-scsi:2G)
			msg=$("$TOP/scripts/boot/run-qemu.sh" --quiet --kernel "$kernel" --initrd "$initrd" \
				--script bench.sh --args "$args" "${vmdisks[@]}" --mem "$mem" --cpus 2 \
				--timeout $((TMO + 600)) --log "$log" 2>&1) || status=fail
			msg=$(printf '%s\n' "$msg" | tail -n 1)
			# One record per run: scenario config run status, then every
			# BENCH key=value prefixed by its section (lat: by its kind).
			{
				printf 'scenario=%s config=%s run=%s qemu=%s' "$s" "$c" "$r" "$status"
				tr -d '\r' <"$log" | awk '
					$1 == "BENCH" {
						sec = $2; start = 3
						if (sec == "lat") { sec = sec "." substr($3, 6); start = 4 }
						for (i = start; i <= NF; i++) printf " %s.%s", sec, $i
					}'
				echo
			} >>"$records"
			if [ "$status" = fail ]; then
				printf 'qemu_msg=%s\n' "${msg//$'\n'/ }" >>"$BOUT/logs/$s-$c-$r.status"
			fi
			res=$(tr -d '\r' <"$log" | sed -n 's/^BENCH result //p' | tail -n 1)
			printf '[%d/%d] %s %-9s run %d: %s (%ds)%s\n' "$k" "$total" "$s" "$c" "$r" \
				"${res:-no result}" $(($(now) - t0)) "$([ $status = fail ] && echo "; run-qemu: $msg")" >&2
		done
	done
done
# overhead: the patched kernel only (the unpatched one has no scopes)
case " $SCENARIOS " in *" overhead "*)
	for r in $(seq "$ORUNS"); do
		k=$((k + 1))
		log=$BOUT/logs/overhead-$r.log
		t0=$(now)
		status=ok
		msg=$("$TOP/scripts/boot/run-qemu.sh" --quiet --kernel "$BZ_PATCHED" --initrd "$initrd" \
			--script overhead.sh --args "loops=$OLOOPS,mounts=${OMOUNTS//,/:}" --disk 2G --mem "$MEM" \
			--cpus 1 --timeout 900 --log "$log" 2>&1) || status=fail
		[ -f "$log" ] || : >"$log"
		tr -d '\r' <"$log" | awk -v r="$r" '$1 == "BENCH" && $2 == "overhead" {
			$1 = "run=" r; $2 = ""; print }
			$1 == "BENCH" && $2 == "info" {
				for (i = 3; i <= NF; i++) if ($i ~ /^clocksource=/) print "run=" r, $i }' \
			>"$BOUT/logs/overhead-$r.rec"
		cat "$BOUT/logs/overhead-$r.rec" >>"$ovh"
		n=$(grep -c " mode=" "$BOUT/logs/overhead-$r.rec" || true)
		echo "run=$r qemu=$status" >>"$ovh"
		printf '[%d/%d] overhead run %d: %s measurements (%ds)%s\n' "$k" "$total" "$r" "$n" \
			$(($(now) - t0)) "$([ $status = fail ] && echo "; run-qemu: $(printf '%s\n' "$msg" | tail -n 1)")" >&2
	done
	;;
esac
info "bench: $total runs in $(($(now) - t_all)) s"
fi

# --- tables, plot, reading
export BENCH_DEMO=$demo
PYTHONDONTWRITEBYTECODE=1 python3 "$TOP/scripts/bench/report/bench_report.py" "$records" "$meta" "$BOUT"
