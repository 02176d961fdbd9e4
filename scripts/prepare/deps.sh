#!/usr/bin/env bash
# Install the host packages the harness needs (Debian 12, as root or sudo).
# Quiet and quick when everything is already there.
. "$(dirname "$0")/../lib.sh"

PKGS=(
	# kernel build
	build-essential flex bison bc cpio kmod libelf-dev libssl-dev dwarves
	python3 python3-ply python3-git rsync ccache
	# static checks
	# (ocaml-nox: ocamlopt, which coccinelle needs for scripts with OCaml
	# rules, e.g. null/badzero.cocci; without it they silently do nothing)
	sparse coccinelle ocaml-nox perl
	# the series tooling
	git quilt
	# the model of the reclaim rules (make model)
	spin
	# QEMU runner and guest userspace
	qemu-system-x86 busybox-static e2fsprogs xfsprogs util-linux attr dmsetup mdadm
	# the kselftest's gfs2 check (mkfs.gfs2)
	gfs2-utils
	# benchmark (make bench): workload and plot
	fsmark gnuplot-nox
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]}"
	SUDO=sudo
fi
info "installing: ${missing[*]}"
log=$LOGS/apt.log
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	"${missing[@]}" >"$log" 2>&1; then
	# A stale package index is the usual cause: update once and retry.
	$SUDO apt-get update >>"$log" 2>&1 || true
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"${missing[@]}" >>"$log" 2>&1 ||
		{ tail -n 5 "$log" >&2; die "apt-get install failed for: ${missing[*]} (log: $log)"; }
fi
