#!/bin/bash
# Overhead of the series, run in the guest by /init (host side:
# scripts/bench/bench.sh, scenario "overhead"; scripts/boot/run-qemu.sh --script
# overhead.sh --disk 2G --args k=v,...).
#
#   overhead.sh key=value ...   (every key optional)
#     loops=200000   iterations per measurement (the driver's LOOPS)
#     mounts=0:100:1000
#                    extra tmpfs superblocks mounted before each
#                    measurement (cumulative: 0, then 100, then 1000)
#
# XFS on /dev/vda is the scope's filesystem.  For each number of extra
# superblocks and with vm.nofs_sb_reclaim off and on, the test driver
# (CONFIG_TEST_NOFS_SB, "overhead PATH LOOPS") times in ns per operation:
# entering and leaving an anonymous and a superblock scope, kmalloc/kfree
# and alloc_page/__free_page outside a scope and in each kind, and
# nofs_sb_reclaim_allowed() for every mounted superblock from each (what
# super_cache_scan() pays per superblock and scan).
#
# Output: "BENCH overhead key=value ..." lines for the host, one per
# measurement: sbs (superblocks the driver saw), switch, mode
# (none|anon|sb) and the driver's figures.
set -u
SAY_PREFIX=BENCH-GUEST
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

loops=200000 mounts=0:100:1000
for kv in "$@"; do
	case $kv in
	loops=* | mounts=*) printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
	*) fail "unknown argument '$kv'" ;;
	esac
done
[[ $loops =~ ^[1-9][0-9]*$ ]] || fail "loops=$loops is not a positive number"
IFS=: read -r -a counts <<<"$mounts"
for k in "${counts[@]}"; do
	[[ $k =~ ^[0-9]+$ ]] || fail "mounts=$mounts: '$k' is not a number"
done

CTL=/sys/kernel/debug/nofs_sb_test/ctl
[ -w "$CTL" ] || fail "no $CTL (kernel without CONFIG_TEST_NOFS_SB)"
[ -f /proc/sys/vm/nofs_sb_reclaim ] || fail "kernel without vm.nofs_sb_reclaim"
wait_dev /dev/vda
echo "BENCH info uname=$(uname -r) loops=$loops mounts=$mounts" \
	"cpus=$(grep -c '^processor' /proc/cpuinfo)" \
	"clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

run "mkfs.xfs /dev/vda" "$MKXFS" -f -q /dev/vda
mnt /mnt/p -t xfs /dev/vda

mounted=0
for k in "${counts[@]}"; do
	while [ "$mounted" -lt "$k" ]; do
		mnt "/mnt/t/$mounted" -t tmpfs -o size=1M tmpfs
		mounted=$((mounted + 1))
	done
	for sw in 0 1; do
		set_switch "$sw"
		echo "overhead /mnt/p $loops" >"$CTL" || fail "overhead /mnt/p $loops: write failed"
		# "overhead mode=M enter_leave=X ... superblocks=N" per mode
		while read -r tag mode rest; do
			[ "$tag" = overhead ] || continue
			case $mode in mode=*) ;; *) continue ;; esac
			echo "BENCH overhead extra_mounts=$mounted switch=$sw $mode $rest"
		done <"$CTL"
	done
done
echo 1 >/proc/sys/vm/nofs_sb_reclaim
