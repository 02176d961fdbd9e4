#!/usr/bin/env bash
# make apply KSRC=DIR: apply patches/ to another Linux 6.12 tree: git am
# when DIR is a clean git work tree, else patch -p1 in series order (the
# same as quilt push -a), after a dry run of the whole series.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=apply
ksrc=${1:-}
[ -n "$ksrc" ] || die "usage: make apply KSRC=/path/to/linux-6.12"
[ -f "$ksrc/Makefile" ] && grep -q '^PATCHLEVEL = 12' "$ksrc/Makefile" && grep -q '^VERSION = 6' "$ksrc/Makefile" ||
	die "$ksrc is not a Linux 6.12 source tree"
[ -f "$PATCHES/series" ] || die "patches/series missing"
mapfile -t list < <(grep -v -e '^#' -e '^$' "$PATCHES/series")
[ ${#list[@]} -gt 0 ] || { echo "apply: the series is empty; nothing to do"; exit 0; }
if git -C "$ksrc" rev-parse --show-toplevel >/dev/null 2>&1 &&
	[ "$(git -C "$ksrc" rev-parse --show-toplevel)" = "$(cd "$ksrc" && pwd -P)" ]; then
	[ -z "$(git -C "$ksrc" status --porcelain --untracked-files=no)" ] || die "$ksrc has uncommitted changes"
	for p in "${list[@]}"; do
		if ! out=$(git -C "$ksrc" am -3 "$PATCHES/$p" 2>&1); then
			git -C "$ksrc" am --abort >/dev/null 2>&1 || true
			printf '%s\n' "$out" | grep -E '^(error|CONFLICT)' >&2 || true
			die "$p does not apply to $ksrc (git am; tree left before this patch)"
		fi
	done
	echo "apply: ${#list[@]} patches applied to $ksrc with git am"
else
	need patch
	# dry run of the whole series on a scratch copy of the touched files
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	for p in "${list[@]}"; do
		lsdiff=$(grep -E '^(\+\+\+|---) [ab]/' "$PATCHES/$p" | sed -E 's#^(\+\+\+|---) [ab]/##' | sort -u)
		for f in $lsdiff; do
			[ -e "$scratch/$f" ] || { [ -f "$ksrc/$f" ] && mkdir -p "$scratch/$(dirname "$f")" && cp "$ksrc/$f" "$scratch/$f"; } || true
		done
		if ! out=$(patch -d "$scratch" -p1 -N --no-backup-if-mismatch -s <"$PATCHES/$p" 2>&1); then
			printf '%s\n' "$out" | head -n 5 >&2
			die "$p does not apply to $ksrc (patch -p1 dry run; nothing was changed)"
		fi
	done
	for p in "${list[@]}"; do
		patch -d "$ksrc" -p1 -N --no-backup-if-mismatch -s <"$PATCHES/$p" || die "$p failed on $ksrc after a clean dry run"
	done
	echo "apply: ${#list[@]} patches applied to $ksrc with patch -p1 (quilt order)"
fi
