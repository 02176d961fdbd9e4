#!/usr/bin/env bash
# harness.sh: make check's own control flow (scripts/check/check.sh: the
# two lanes, the order of their stages, the outcome), with every stage a
# stub.  In a clone of this repository's committed scripts (check.sh
# itself from the working copy), each script a stage runs is replaced by
# one that prints its name and exits with $STUB_RC_<name>, 0 by default.
#   every stage passes      exit 0, last line "N passed, 0 failed"
#   the tree fails          exit 1, no stage that needs the tree ran
#   bisect fails (static)   exit 1, "failed: bisect"
#   a guest is inconclusive exit 1, the stage named SKIPPED
# Prints one line; exits 1 when check.sh does not behave so.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=harness
need git
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q "$TOP" "$tmp/c" || die "git clone $TOP failed"
cp "$TOP/scripts/check/check.sh" "$tmp/c/scripts/check/check.sh"
stubs=(prepare/deps prepare/tree prepare/worktree build/build-kernel boot/run-qemu
	check/static check/model check/kunit check/bisect check/harness)
for s in "${stubs[@]}"; do
	n=${s#*/}
	n=${n//-/}
	printf '#!/bin/sh\necho "stub %s $*"\nexit ${STUB_RC_%s:-0}\n' "$n" "$n" >"$tmp/c/scripts/$s.sh"
	chmod +x "$tmp/c/scripts/$s.sh"
done
# the kernel tree check.sh asks for HEAD
git init -q "$tmp/c/build/linux"
git -C "$tmp/c/build/linux" commit -q --allow-empty -m stub

bad=0
# run NAME [VAR=VALUE...]: check.sh in the clone; its output in $tmp/NAME
run() {
	local name=$1
	shift
	rc=0
	(cd "$tmp/c" && env -u SBNOFS_BUILD "$@" scripts/check/check.sh) >"$tmp/$name" 2>&1 || rc=$?
}
# expect NAME WHAT CONDITION...: CONDITION (a command) must hold
expect() {
	local name=$1 what=$2
	shift 2
	if ! "$@"; then
		echo "harness: $name: $what: FAIL (output: $(tail -n 2 "$tmp/$name" | paste -s -d '|'))"
		bad=1
	fi
}

run pass
expect pass "exit 0" test "$rc" = 0
expect pass "N passed, 0 failed" grep -q -E '^[0-9]+ passed, 0 failed$' <(tail -n 1 "$tmp/pass")
expect pass "every stub ran" test "$(grep -c '^stub ' "$tmp/pass")" -ge "${#stubs[@]}"
run tree STUB_RC_tree=1
expect tree "exit 1" test "$rc" = 1
expect tree "tree named" grep -q 'tree: FAILED' "$tmp/tree"
expect tree "nothing after the tree" eval '! grep -q -E "^stub (static|kunit|bisect|buildkernel)" "$tmp/tree"'
run bisect STUB_RC_bisect=1
expect bisect "exit 1" test "$rc" = 1
expect bisect "bisect named" grep -q 'failed: .*bisect' "$tmp/bisect"
run skip STUB_RC_runqemu=4
expect skip "exit 1" test "$rc" = 1
expect skip "SKIPPED named" grep -q 'SKIPPED, inconclusive' "$tmp/skip"
[ $bad = 0 ] || exit 1
echo "harness: make check with every stage a stub: all pass -> $(tail -n 1 "$tmp/pass"), exit 0; a failed tree, bisect or inconclusive guest -> exit 1, named"
