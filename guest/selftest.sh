#!/bin/bash
# The series' kselftest (tools/testing/selftests/sb_nofs, installed at
# /kselftest by scripts/mk-initramfs.sh), run through the kselftest runner
# (run_kselftest.sh) on the four scratch disks /dev/vda../dev/vdd
# (run-qemu.sh --disk 2G --disk 2G --disk 2G --disk 2G).
# Exit: 0 when the runner reports "ok" for sb_nofs.sh and no check was
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
export MKFS_XFS=$MKXFS MKE2FS LOSETUP SB_NOFS_DISKS="/dev/vda /dev/vdb /dev/vdc /dev/vdd"
out=/tmp/kselftest.out
mkdir -p /run/mdadm || fail "mkdir /run/mdadm"
cd /kselftest || fail "cd /kselftest"
./run_kselftest.sh -t sb_nofs:sb_nofs.sh 2>&1 | tee "$out"
say "$(grep -c '^# ok ' "$out") checks passed, $(grep -c '^# not ok ' "$out") failed"
grep -q '^ok [0-9]* selftests: sb_nofs: sb_nofs.sh$' "$out" ||
	fail "sb_nofs.sh did not pass"
# every check must run here: a skipped one (a missing tool or kernel
# option) is a failure of the harness
! grep -q '^# ok .* # SKIP' "$out" || fail "sb_nofs.sh skipped checks"
say "PASS"
