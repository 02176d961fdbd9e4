#!/usr/bin/env bash
# worktree.sh REV [DIR]: check REV out in a scratch worktree of the kernel
# tree, DIR (default build/bisect/linux, kunit's, bisect's and sparse's;
# coccicheck uses build/static/linux, so that it can run beside them).
# The developer's tree is never touched.  Build dirs live beside the
# worktree, in DIR/../out/.  Objects built
# here do not hit ccache for build/out/ (or the other way round): the
# compile commands carry the absolute source path (e.g.
# -fmacro-prefix-map=SRC/=), which ccache's base_dir does not make relative.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=worktree
rev=${1:?usage: worktree.sh REV [DIR]}
wt=${2:-$BUILD/bisect/linux}
tree_ok || die "no kernel tree (run: make tree)"
if [ ! -d "$wt" ]; then
	mkdir -p "${wt%/*}"
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$wt" "$rev" >/dev/null
else
	git -C "$wt" checkout -q -f --detach "$rev"
	git -C "$wt" clean -q -fdx
fi
