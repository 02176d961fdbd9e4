#!/usr/bin/env bash
# bisect.sh: every prefix of the series must build.  Builds each commit
# $BASE_TAG..HEAD~1 (HEAD itself is built by make kunit / make kernel) in the
# scratch worktree with the KUnit/UML configuration, incrementally.
. "$(dirname "$0")/lib.sh"
SBNOFS_PROG=bisect
tree_ok || die "no kernel tree (run: make tree)"
mapfile -t commits < <(series_commits)
n=${#commits[@]}
if [ "$n" -le 1 ]; then
	echo "bisect: $n patch(es): every prefix is HEAD, built by the other stages"
	exit 0
fi
out=$BUILD/bisect/out/kunit
i=0
built=0
for ((i = 1; i < n; i++)); do
	c=${commits[i - 1]}
	next=${commits[i]}
	subj=$(git -C "$TREE" log -1 --format=%s "$c")
	# Same code as the next patch (which differs in Documentation/ only):
	# building that one, or HEAD, covers this one.
	if git -C "$TREE" diff --quiet "$c" "$next" -- . ':(exclude)Documentation'; then
		info "bisect: patch $i/$n has the code of patch $((i + 1)) (docs differ only)"
		continue
	fi
	built=$((built + 1))
	"$TOP/scripts/worktree.sh" "$c"
	info "bisect: building patch $i/$n: $subj"
	res=$("$TOP/scripts/kunit.sh" "$BUILD/bisect/linux" "$out" --build-only --lenient) ||
		die "patch $i/$n does not build on its own: $subj"
	info "bisect: patch $i/$n: ${res#build kunit-bisect: }"
done
echo "bisect: patches 1..$((n - 1)) of $n build on their own ($built built with the UML/KUnit config, the others differ from the next patch in Documentation/ only; $n = HEAD is built by the kunit stage)"
