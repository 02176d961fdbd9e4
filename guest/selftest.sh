#!/bin/bash
# The series' kselftest (tools/testing/selftests/sb_nofs, installed at
# /kselftest by scripts/mk-initramfs.sh), run through the kselftest runner
# (run_kselftest.sh) on the four scratch disks /dev/vda../dev/vdd
# (run-qemu.sh --disk 2G --disk 2G --disk 2G --disk 2G).
# Exit: 0 when the runner reports "ok" for sb_nofs.sh; 1 otherwise (a failed
# check, a skip, a bail-out or a timeout), after printing its KTAP output.
set -u
SAY_PREFIX=SELFTEST
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"

wait_dev /dev/vda /dev/vdb /dev/vdc /dev/vdd
[ -x /kselftest/run_kselftest.sh ] || fail "no /kselftest in the initramfs"
# DMSETUP and DM_DISABLE_UDEV come from lib.sh
export DMSETUP XFS_QUOTA=/usr/sbin/xfs_quota FSFREEZE=/sbin/fsfreeze
export MKFS_XFS=$MKXFS MKE2FS LOSETUP SB_NOFS_DISKS="/dev/vda /dev/vdb /dev/vdc /dev/vdd"
out=/tmp/kselftest.out
cd /kselftest || fail "cd /kselftest"
./run_kselftest.sh -t sb_nofs:sb_nofs.sh 2>&1 | tee "$out"
say "$(grep -c '^# ok ' "$out") checks passed, $(grep -c '^# not ok ' "$out") failed"
grep -q '^ok [0-9]* selftests: sb_nofs: sb_nofs.sh$' "$out" ||
	fail "sb_nofs.sh did not pass"
say "PASS"
