#!/usr/bin/env bash
# Compare the tree with patches/.
#   sync-state.sh state   -> insync | behind | ahead | diverged | dirty
#   sync-state.sh record  -> remember patches/ as the state the tree was
#                            last synchronised with (after tree or export)
. "$(dirname "$0")/lib.sh"
SBNOFS_PROG=status

rec=$TREE/.git/sbnofs-synced

dirhash() {
	# content hash of a patches directory: series order + file contents
	local d=$1 f
	{
		[ -f "$d/series" ] && cat "$d/series"
		for f in "$d"/*.patch; do
			[ -f "$f" ] || continue
			printf '%s\n' "$(basename "$f")"
			cat "$f"
		done
	} | sha256sum | cut -d' ' -f1
}

case ${1:-state} in
record)
	dirhash "$PATCHES" >"$rec"
	;;
state)
	tree_ok || die "no kernel tree at $TREE (run: make tree)"
	tmp=$(mktemp -d "$BUILD/status.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	"$TOP/scripts/export.sh" --out "$tmp/p"
	th=$(dirhash "$tmp/p")
	ph=$(dirhash "$PATCHES")
	rh=$(cat "$rec" 2>/dev/null || true)
	if [ -n "$(git -C "$TREE" status --porcelain)" ]; then
		echo dirty
	elif [ "$th" = "$ph" ]; then
		echo insync
	elif [ "$th" = "$rh" ]; then
		echo behind
	elif [ "$ph" = "$rh" ]; then
		echo ahead
	else
		echo diverged
	fi
	;;
*) die "usage: sync-state.sh state|record" ;;
esac
