#!/usr/bin/env bash
# make status: one line; exit 1 when the tree holds commits or edits that
# patches/ does not have.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=status
if ! tree_ok; then
	echo "status: no kernel tree (make tree creates it); patches/ is all there is"
	exit 0
fi
n=$(series_commits | wc -l)
state=$("$TOP/scripts/export/sync-state.sh" state)
case $state in
insync) echo "status: clean: the tree's $n commits are exactly patches/" ;;
behind) echo "status: patches/ is newer than the tree (make tree re-applies it); nothing unexported" ;;
dirty)
	echo "status: UNEXPORTED: the tree has uncommitted edits ($(git -C "$TREE" status --porcelain | wc -l) files); commit them, then make export"
	exit 1
	;;
ahead)
	echo "status: UNEXPORTED: the tree's commits differ from patches/ (make export)"
	exit 1
	;;
diverged)
	echo "status: UNEXPORTED: both the tree and patches/ changed since the last sync (export to keep the tree, FORCE=1 make tree to take patches/)"
	exit 1
	;;
esac
