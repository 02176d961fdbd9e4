#!/bin/bash
# The series' kselftests (tools/testing/selftests/nofs_sb, installed at
# /kselftest by scripts/boot/mk-initramfs.sh), run through the kselftest runner
# (run_kselftest.sh) on the four scratch disks /dev/vda../dev/vdd:
# nofs_sb.sh, then nofs_sb_locks.sh (the scenarios with real filesystem
# state), then nofs_sb_disks.sh on the disks of every --hba kind that
# run-qemu.sh can add (and scsi_debug's).
# Arguments: the tests to run (for example "nofs_sb_disks.sh"), or
# scenarios of nofs_sb_locks.sh to run alone (for example "quota" or
# "quota lazytime"); none runs every test whole.
# vm: disks=2G,2G,2G,2G mem=1G cpus=2 timeout=1800
# vm-hba: ahci lsi megasas virtio-scsi usb-storage uas sd
# vm-append: g_mass_storage.removable=1
# Exit: 0 when the runner reports "ok" for every test and no check was
# skipped; 1 otherwise (a failed or skipped check, a bail-out or a
# timeout), after printing its KTAP output.
set -u
SAY_PREFIX=SELFTEST
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

wait_dev /dev/vda /dev/vdb /dev/vdc /dev/vdd
[ -x /kselftest/run_kselftest.sh ] || fail "no /kselftest in the initramfs"
# DMSETUP, MDADM, DM_DISABLE_UDEV and MDADM_NO_UDEV come from lib.sh
export DMSETUP MDADM XFS_QUOTA=/usr/sbin/xfs_quota FSFREEZE=/sbin/fsfreeze
export MKFS_XFS=$MKXFS MKE2FS LOSETUP NOFS_SB_DISKS="/dev/vda /dev/vdb /dev/vdc /dev/vdd"
export XFS_IO=/usr/sbin/xfs_io MKFS_GFS2=/usr/sbin/mkfs.gfs2
export NOFS_SB_HOSTS="virtio_blk ahci sym53c8xx virtio_scsi scsi_debug usb-storage \
	uas gadget mmcblk megaraid_sas"
tests=(nofs_sb.sh nofs_sb_locks.sh nofs_sb_disks.sh)
case ${1:-} in
'') ;;
*.sh) tests=("$@") ;;
*)
	export NOFS_SB_SCENARIOS="$*"
	tests=(nofs_sb_locks.sh)
	;;
esac
out=/tmp/kselftest.out
mkdir -p /run/mdadm || fail "mkdir /run/mdadm"
cd /kselftest || fail "cd /kselftest"
sel=()
for t in "${tests[@]}"; do
	sel+=(-t "nofs_sb:$t")
done
./run_kselftest.sh "${sel[@]}" 2>&1 | tee "$out"
say "$(grep -c '^# ok ' "$out") checks passed, $(grep -c '^# not ok ' "$out") failed"
for t in "${tests[@]}"; do
	grep -q "^ok [0-9]* selftests: nofs_sb: $t\$" "$out" ||
		fail "$t did not pass"
done
# every check must run here: a skipped one (a missing tool or kernel
# option) is a failure of the harness
! grep -q '^# ok .* # SKIP' "$out" || fail "a kselftest skipped checks"
say "PASS"
