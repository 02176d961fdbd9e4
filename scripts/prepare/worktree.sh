#!/usr/bin/env bash
# worktree.sh REV: check REV out in the scratch worktree build/bisect/linux
# (used by bisect and sparse/kernel-doc comparisons; the developer's tree is
# never touched).  Its build dirs live in build/bisect/out/.  Objects built
# here do not hit ccache for build/out/ (or the other way round): the
# compile commands carry the absolute source path (e.g.
# -fmacro-prefix-map=SRC/=), which ccache's base_dir does not make relative.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=worktree
rev=${1:?usage: worktree.sh REV}
wt=$BUILD/bisect/linux
tree_ok || die "no kernel tree (run: make tree)"
if [ ! -d "$wt" ]; then
	mkdir -p "$BUILD/bisect"
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$wt" "$rev" >/dev/null
else
	git -C "$wt" checkout -q -f --detach "$rev"
	git -C "$wt" clean -q -fdx
fi
