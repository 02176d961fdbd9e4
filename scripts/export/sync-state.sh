#!/usr/bin/env bash
# Compare the tree with patches/.
#   sync-state.sh state   -> insync | behind | ahead | diverged | dirty
#   sync-state.sh record  -> remember patches/ as the state the tree was
#                            last synchronised with (sync_record in lib.sh,
#                            which export.sh and tree.sh call directly:
#                            "state" runs export.sh, never the reverse)
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=status

case ${1:-state} in
record)
	sync_record
	;;
state)
	tree_ok || die "no kernel tree at $TREE (run: make tree)"
	tmp=$(mktemp -d "$BUILD/status.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	"$TOP/scripts/export/export.sh" --out "$tmp/p"
	th=$(patches_hash "$tmp/p")
	ph=$(patches_hash "$PATCHES")
	rh=$(cat "$SYNC_RECORD" 2>/dev/null || true)
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
