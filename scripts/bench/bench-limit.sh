#!/bin/bash
# The smallest memory limit a real workload survives, per configuration:
# bisection over memory.max (MiB) for the smallest limit at which the
# workload completes in at least NEED of RUNS fresh boots.  A probe stops
# as soon as its verdict is certain (NEED completions, or more than
# RUNS - NEED failures); an OOM kill, a timeout or an error is a failure.
#
#   bench-limit.sh            run, then write the tables (results.txt)
#                             and the plot (limits.png)
#   bench-limit.sh --report   tables and plot again from the recorded
#                             boots (scripts/bench/report/limit_report.py)
#   bench-limit.sh --demo     make demo's part: one workload at one limit,
#                             off and on, RUNS (or BENCH_LIMIT_RUNS) boots
#                             each (default 2), no bisection; a table and
#                             a reading generated from the numbers
#                             (build/bench-limit/demo)
#
# Workloads (guest/bench.sh work= wfs=, scenario=memcg), each in one
# memory cgroup that first charges the dentries and inodes of XFS P
# (FILL files stat'ed), the other filesystem's cache that reclaim from
# the workload's transactions may free:
#   untar-xfs, untar-ext4  tar -xf of the first FILES files of the Debian
#                          kernel source (/usr/src/linux-source-6.12.tar.xz)
#                          into XFS / ext4, from a read-only disk
#   rm-xfs                 rm -rf of that tree on XFS (extracted before,
#                          outside the cgroup, and evicted)
#   gitmix-xfs             every file of that tree rewritten as a git
#                          checkout writes it (guest/gitmix.c)
# A workload name may end in a variant (as bench.sh's configurations):
#   :ext4p                 the cache P is ext4 instead of XFS
#   :scsi                  P and Q on virtio-scsi disks (sd, depth 0 by
#                          transport) instead of virtio_blk
# Configurations: off and on (the patched kernel, vm.nofs_sb_reclaim 0
# and 1), unpatched (the base with the same config).  There is no
# GFP_KERNEL oracle here: on tmpfs the tree's data itself stays in memory.
#
# Knobs (environment; defaults in brackets):
#   BENCH_LIMIT_WORKS ["untar-xfs untar-ext4 rm-xfs gitmix-xfs
#                       untar-xfs:ext4p untar-xfs:scsi"]
#   BENCH_LIMIT_CONFIGS ["unpatched off on"]
#   BENCH_LIMIT_RUNS [5] BENCH_LIMIT_NEED [4]
#   BENCH_LIMIT_LO [16] BENCH_LIMIT_HI [128] BENCH_LIMIT_STEP [4] (MiB)
#   BENCH_LIMIT_FILES [20000] BENCH_LIMIT_FILL [20000] BENCH_LIMIT_TMO [400]
#   BENCH_LIMIT_OUT [build/bench-limit]  BENCH_BUILD [1] (0: use the
#   existing bzImages)
#   --demo: BENCH_LIMIT_DEMO_WORK [gitmix-xfs] BENCH_LIMIT_DEMO_MIB [64]
#   (every configuration completed 4 of 4 boots there, and at 56 MiB, the
#   smallest such limit, in make bench-limit; docs/results.md)
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=bench-limit

mode=run
case ${1:-} in
--report) mode=report ;;
--demo) mode=demo ;;
"") ;;
*) die "usage: bench-limit.sh [--report | --demo]" ;;
esac

WORKS=${BENCH_LIMIT_WORKS:-untar-xfs untar-ext4 rm-xfs gitmix-xfs untar-xfs:ext4p untar-xfs:scsi}
CONFIGS=${BENCH_LIMIT_CONFIGS:-unpatched off on}
ENV_RUNS=${RUNS:-} # make demo's knob
RUNS=${BENCH_LIMIT_RUNS:-5}
if [ $mode = demo ]; then
	WORKS=${BENCH_LIMIT_DEMO_WORK:-gitmix-xfs}
	CONFIGS="off on"
	RUNS=${BENCH_LIMIT_RUNS:-${ENV_RUNS:-2}}
	DEMO_MIB=${BENCH_LIMIT_DEMO_MIB:-64}
	[[ $DEMO_MIB =~ ^[1-9][0-9]*$ ]] || die "BENCH_LIMIT_DEMO_MIB=$DEMO_MIB is not a positive number"
	[ "$(wc -w <<<"$WORKS")" = 1 ] || die "BENCH_LIMIT_DEMO_WORK names more than one workload"
fi
NEED=${BENCH_LIMIT_NEED:-4}
LO=${BENCH_LIMIT_LO:-16}
HI=${BENCH_LIMIT_HI:-128}
STEP=${BENCH_LIMIT_STEP:-4}
FILES=${BENCH_LIMIT_FILES:-20000}
FILL=${BENCH_LIMIT_FILL:-20000}
TMO=${BENCH_LIMIT_TMO:-400}
BOUT=${BENCH_LIMIT_OUT:-$BUILD/bench-limit}
ABOUT=$BOUT # where the archive is kept
[ $mode = demo ] && BOUT=${BENCH_LIMIT_OUT:-$BUILD/bench-limit/demo}
for v in RUNS NEED LO HI STEP FILES FILL TMO; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v=${!v} is not a positive number"
done
[ $mode = demo ] || [ "$NEED" -le "$RUNS" ] || die "BENCH_LIMIT_NEED=$NEED is more than BENCH_LIMIT_RUNS=$RUNS"
[ "$LO" -lt "$HI" ] || die "BENCH_LIMIT_LO=$LO is not below BENCH_LIMIT_HI=$HI"
for w in $WORKS; do
	case ${w%:*} in untar-xfs | untar-ext4 | rm-xfs | gitmix-xfs) ;;
	*) die "unknown workload '${w%:*}'" ;; esac
	case $w in *:*) case ${w#*:} in ext4p | scsi) ;;
		*) die "unknown variant '${w#*:}' of $w (ext4p or scsi)" ;; esac ;; esac
done
for c in $CONFIGS; do
	case $c in off | on | unpatched) ;; *) die "unknown configuration '$c'" ;; esac
done
need python3 git qemu-system-x86_64
records=$BOUT/boots.txt
table=$BOUT/results.txt

if [ $mode != report ]; then
	need_unpatched=0
	case " $CONFIGS " in *" unpatched "*) need_unpatched=1 ;; esac
	bench_kernels $need_unpatched

	# The archive: the first FILES regular files of the kernel source, in
	# its order, with their directories, uncompressed (kept across runs,
	# shared with --demo)
	src=/usr/src/linux-source-6.12.tar.xz
	[ -f "$src" ] || die "$src missing (run: make deps)"
	mkdir -p "$BOUT/logs" "$ABOUT"
	archive=$ABOUT/linux-$FILES.tar
	if [ ! -s "$archive" ]; then
		info "archive: the first $FILES files of $src"
		python3 - "$src" "$archive.tmp" "$FILES" <<'PY' || die "cannot write $archive"
import sys, tarfile
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = 0
with tarfile.open(src, "r|xz") as tin, tarfile.open(dst, "w", format=tarfile.GNU_FORMAT) as tout:
    for m in tin:
        if m.isdir():
            tout.addfile(m)
        elif m.isreg():
            tout.addfile(m, tin.extractfile(m))
            files += 1
            if files == n:
                break
if files < n:
    sys.exit(f"only {files} files in {src}")
PY
		mv "$archive.tmp" "$archive"
	fi
	initrd=$BOUT/initramfs.cpio.gz
	"$TOP/scripts/boot/mk-initramfs.sh" "$initrd"
	{
		bench_meta $need_unpatched
		echo "config_fragments=configs/x86-base.config (scripts/build/build-kernel.sh base, both kernels)"
		echo "archive=$(basename "$archive"): first $FILES files of $(basename "$src") ($(du -m "$archive" | cut -f1) MiB)"
		echo "cache=XFS P on /dev/vda, $FILL files (fs_mark -s 0) stat'ed in the cgroup; workload filesystem on /dev/vdb"
		echo "variants=:ext4p the cache P is ext4; :scsi P and Q on virtio-scsi disks (/dev/sda, /dev/sdb)"
		echo "guest=512M memory, 2 CPUs; watchdog $TMO s"
		if [ $mode = demo ]; then
			echo "rule=demo: $RUNS boots per configuration at $DEMO_MIB MiB, no bisection"
		else
			echo "rule=completes in at least $NEED of $RUNS boots; bisection from $LO to $HI MiB in steps of $STEP MiB"
		fi
	} >"$BOUT/meta.txt"
	: >"$records"

	# boot WORK CONFIG LIMIT RUN: one boot; prints yes or no
	boot() {
		local w=$1 c=$2 m=$3 r=$4 bz=$BZ_PATCHED sw=$2 log res wk=${1%:*} pfs=xfs disks=virtio
		local vm=(--disk 2G --disk 2G)
		[ "$c" = unpatched ] && bz=$BZ_UNPATCHED sw=na
		case $w in
		*:ext4p) pfs=ext4 ;;
		*:scsi) disks=scsi vm=(--hba virtio-scsi:2G --hba virtio-scsi:2G) ;;
		esac
		log=$BOUT/logs/${w/:/-}-$c-${m}M-$r.log
		"$TOP/scripts/boot/run-qemu.sh" --kernel "$bz" --initrd "$initrd" --script bench.sh \
			--args "scenario=memcg,switch=$sw,wfs=${wk#*-},work=${wk%-*},pfs=$pfs,disks=$disks,memmax=${m}M,fill=$FILL,tmo=$TMO" \
			"${vm[@]}" --ro-disk "$archive" --mem 512M --cpus 2 \
			--timeout $((TMO + 600)) --quiet --log "$log" >/dev/null 2>&1
		res=$(tr -d '\r' <"$log" | awk '$1 == "BENCH" && $2 == "result" {
			for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			print v["completed"], v["reason"], v["time_ms"] }')
		[ -n "$res" ] || res="no setup-or-crash n/a"
		echo "work=$w config=$c limit_mib=$m run=$r completed=${res%% *} reason=$(echo "$res" | cut -d' ' -f2) time_ms=${res##* }" >>"$records"
		echo "${res%% *}"
	}
	# probe WORK CONFIG LIMIT: 0 if it completes in NEED of RUNS boots
	probe() {
		local ok=0 bad=0 r
		for ((r = 1; r <= RUNS; r++)); do
			if [ "$(boot "$@" "$r")" = yes ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
			[ $ok -ge "$NEED" ] && break
			[ $bad -gt $((RUNS - NEED)) ] && break
		done
		info "$1 $2 ${3}M: $ok completed, $bad failed"
		[ $ok -ge "$NEED" ]
	}
	if [ $mode = demo ]; then
		for c in $CONFIGS; do
			for ((r = 1; r <= RUNS; r++)); do
				info "$WORKS $c ${DEMO_MIB}M, boot $r of $RUNS: completed $(boot "$WORKS" "$c" "$DEMO_MIB" "$r")"
			done
		done
		WORKS=
	fi
	for w in $WORKS; do
		for c in $CONFIGS; do
			if ! probe "$w" "$c" "$HI"; then
				echo "result work=$w config=$c smallest_mib=>$HI" >>"$records"
				continue
			fi
			if probe "$w" "$c" "$LO"; then
				echo "result work=$w config=$c smallest_mib=<=$LO" >>"$records"
				continue
			fi
			lo=$LO hi=$HI
			while [ $((hi - lo)) -gt "$STEP" ]; do
				mid=$(((lo + hi) / 2 / STEP * STEP))
				[ "$mid" -le "$lo" ] && mid=$((lo + STEP))
				if probe "$w" "$c" "$mid"; then hi=$mid; else lo=$mid; fi
			done
			echo "result work=$w config=$c smallest_mib=$hi" >>"$records"
		done
	done
fi

[ -s "$records" ] || die "no recorded boots in $BOUT (run: scripts/bench/bench-limit.sh)"
if [ $mode = demo ]; then
	PYTHONDONTWRITEBYTECODE=1 python3 "$TOP/scripts/bench/report/limit_report.py" --demo "$records" \
		"$BOUT/meta.txt" "$BOUT/logs" >"$table" || die "the report failed"
	cat "$table"
	exit 0
fi
PYTHONDONTWRITEBYTECODE=1 python3 "$TOP/scripts/bench/report/limit_report.py" "$records" "$BOUT/meta.txt" "$BOUT/logs" "$NEED" \
	"$BOUT/limits.png" >"$table" || die "the report failed"
cat "$table"
