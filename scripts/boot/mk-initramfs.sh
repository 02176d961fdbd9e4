#!/usr/bin/env bash
# Build the guest initramfs (gzip'ed newc cpio) for scripts/boot/run-qemu.sh.
#
#   mk-initramfs.sh [OUTPUT]        default OUTPUT: $BUILD/initramfs.cpio.gz
#
# Contents:
#   /bin/busybox (busybox-static) and its applet symlinks,
#   real host tools with every library ldd lists and the dynamic loader:
#     mke2fs (+ mkfs.ext4), e2fsck, mkfs.xfs, xfs_repair, xfs_db (if present),
#     losetup, mount, umount (util-linux), bash, setfattr and getfattr (attr),
#     timeout (coreutils: the kselftest runner needs --foreground),
#     fs_mark (fsmark: the benchmark's workload), dmsetup (device mapper),
#     xfs_quota and xfs_io (xfsprogs), fsfreeze (util-linux), mdadm (md arrays),
#     mkfs.gfs2 (gfs2-utils),
#   /kselftest: the series' kselftests (make install of tools/testing/selftests),
#   /guest/*: every file of guest/ (guest/init is also the image's /init),
#   /dev/console (appended as a second cpio archive, so no root is needed;
#   `cpio -t` lists the first archive only and so does not show it).
# EXTRA_BINS="/abs/path ..." adds more host binaries with their libraries.
#
# The real tools replace busybox applets of the same name, but busybox ash
# runs its own applets before looking at PATH: guest scripts call the real
# tools by full path or run under bash.
#
# Always rebuilt (1-2 s); written to a temporary file and renamed, so
# concurrent runs never see a half-written image.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=mk-initramfs

out=${1:-$BUILD/initramfs.cpio.gz}
need cpio gzip ldd gcc

BUSYBOX=/bin/busybox
BINS=(
	/sbin/mke2fs /sbin/e2fsck /sbin/mkfs.xfs /sbin/xfs_repair
	/sbin/losetup /bin/mount /bin/umount /bin/bash /usr/bin/setfattr
	/usr/bin/getfattr /usr/bin/timeout /usr/bin/fs_mark /sbin/dmsetup
	/usr/sbin/xfs_quota /sbin/fsfreeze /sbin/mdadm /usr/sbin/xfs_io /usr/sbin/mkfs.gfs2
	/bin/tar
)
[ -e /usr/sbin/xfs_db ] && BINS+=(/usr/sbin/xfs_db)
read -r -a extra <<<"${EXTRA_BINS:-}"
BINS+=("${extra[@]}")

[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (run: make deps; package busybox-static)"
for b in "${BINS[@]}"; do
	case $b in /*) ;; *) die "EXTRA_BINS entry '$b' is not an absolute path" ;; esac
	if [ ! -f "$b" ] || [ ! -x "$b" ]; then
		die "host binary $b missing (run: make deps)"
	fi
done

# One ldd for all (ldd is a slow script): "file:" headers, then its libraries.
# Its status is 1 when any file is static, so judge the output instead.
libs=()
while read -r kind a b; do
	case $kind in
	LIB) libs+=("$a") ;;
	MISSING) die "ldd $a: library $b not found" ;;
	DYNAMIC) [ "$a" != "$BUSYBOX" ] || die "$BUSYBOX is not static (install busybox-static)" ;;
	*) die "unexpected ldd output for $a: $kind $b" ;;
	esac
done < <(ldd "$BUSYBOX" "${BINS[@]}" 2>&1 | awk '
	/^[^ \t].*:$/ { file = substr($0, 1, length($0) - 1); next }
	/not found/ { print "MISSING", file, $1; next }
	/not a dynamic executable/ { next }
	$2 == "=>" && $3 ~ /^\// { if (!seen[$3]++) print "LIB", $3; dyn[file] = 1; next }
	$1 ~ /^\// { if (!seen[$1]++) print "LIB", $1; dyn[file] = 1; next }
	/^[ \t]*linux-vdso/ { next }
	{ print "ODD", file, $0 }
	END { for (f in dyn) print "DYNAMIC", f }
')
[ ${#libs[@]} -gt 0 ] || die "ldd listed no libraries (is ldd working?)"
[ -f "$TOP/guest/init" ] || die "$TOP/guest/init missing"

outdir=$(dirname "$out")
mkdir -p "$outdir" || die "cannot create $outdir"
stage=$(mktemp -d "$outdir/.initramfs.XXXXXX") || die "mktemp in $outdir failed"
tmpout=$stage.cpio.gz
trap 'rm -rf "$stage" "$tmpout"' EXIT

# Same top-level layout as the host: on a merged-/usr host bin, sbin, lib*
# are symlinks into usr/, and the paths ldd prints stay valid.
mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib,dev,proc,sys,tmp,mnt,run,etc,guest}
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		target=$(readlink "/$d")
		target=${target#/} # never an absolute link out of $stage
		ln -s "$target" "$stage/$d"
		mkdir -p "$stage/$target"
	elif [ -d "/$d" ]; then
		mkdir -p "$stage/$d"
	fi
done

# busybox applets: all as symlinks in /bin (a handful of forks, not one per
# applet), then the links named like a real tool are removed.
# The links point to busybox's resolved path (/usr/bin/busybox on merged /usr).
bbreal=$(readlink -f "$BUSYBOX")
mkdir -p "$stage${bbreal%/*}"
cp "$bbreal" "$stage$bbreal" || die "cannot copy $BUSYBOX"
[ -e "$stage$BUSYBOX" ] || ln -s "$bbreal" "$stage$BUSYBOX"
"$BUSYBOX" --install -s "$stage/bin" || die "busybox --install failed"
shadowed=()
for b in "${BINS[@]}"; do
	for d in bin sbin usr/bin usr/sbin; do
		[ -L "$stage/$d/${b##*/}" ] && shadowed+=("$stage/$d/${b##*/}")
	done
done
[ ${#shadowed[@]} -eq 0 ] || rm -f "${shadowed[@]}"

# Real tools and their libraries, each at its host path.
cp -L --parents --remove-destination "${BINS[@]}" "${libs[@]}" "$stage/" ||
	die "cannot copy the host tools into the initramfs"
ln -sf mke2fs "$stage/sbin/mkfs.ext4"
if [ -f /etc/mke2fs.conf ]; then
	cp /etc/mke2fs.conf "$stage/etc/" || die "cannot copy /etc/mke2fs.conf"
fi
ln -s /proc/self/mounts "$stage/etc/mtab"

# The benchmark's git-checkout-like workload, built static.
gcc -O2 -Wall -static -o "$stage/bin/gitmix" "$TOP/guest/gitmix.c" ||
	die "cannot build guest/gitmix.c (gcc -static needs libc6-dev)"

# Guest scripts; guest/init is the image's /init.
cp -a "$TOP/guest/." "$stage/guest/" || die "cannot copy guest/"
cp "$TOP/guest/init" "$stage/init" || die "cannot install /init"
chmod 755 "$stage/init"

# The series' kselftests, installed as the kselftest framework lays them
# out (run_kselftest.sh, kselftest/, one directory per target).
if [ -d "$TREE/tools/testing/selftests/nofs_sb" ]; then
	run_logged "$LOGS/kselftest-install.log" make -s -C "$TREE/tools/testing/selftests" \
		TARGETS=nofs_sb INSTALL_PATH="$stage/kselftest" install ||
		die "kselftest install failed (log: $LOGS/kselftest-install.log)"
fi

# newc entry for /dev/console (char 5:1, root, 0600): the kernel opens it for
# init's stdio before anything is mounted.
console_cpio() {
	local name=dev/console
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0\0\0' \
		1 $((8#20600)) 0 0 1 0 0 0 0 5 1 $((${#name} + 1)) 0 "$name"
	name=TRAILER!!!
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0\0\0\0' \
		0 0 0 0 1 0 0 0 0 0 0 $((${#name} + 1)) 0 "$name"
}

(
	cd "$stage" || exit 1
	find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
		cpio --null --quiet -o -H newc -R 0:0
	console_cpio
) | gzip -1 >"$tmpout" || die "cpio/gzip of the initramfs failed"
mv -f "$tmpout" "$out" || die "cannot write $out"
