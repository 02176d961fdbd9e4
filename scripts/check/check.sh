#!/usr/bin/env bash
# make check: every test of the project, in order.  One timing line per
# stage; the last line is "N passed, N failed".
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=check
S=$TOP/scripts
passed=0
failed=0
failures=()
T0=$(now)

# stage NAME CMD...: run a stage, print its outcome and duration
stage() {
	local name=$1 t rc=0
	shift
	t=$(now)
	echo "[check] $name: running" >&2
	"$@" || rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "[check] $name: ok ($(($(now) - t)) s)"
	elif [ $rc -eq "$KSFT_SKIP" ]; then
		# inconclusive proves nothing: it counts as failed, named as such
		failed=$((failed + 1))
		failures+=("$name(skipped)")
		echo "[check] $name: SKIPPED, inconclusive, counted as failed ($(($(now) - t)) s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "[check] $name: FAILED ($(($(now) - t)) s)"
	fi
	return $rc
}

finish() {
	echo "[check] total $(($(now) - T0)) s${failures:+; failed: ${failures[*]}}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# Without the tools nothing else can run (nor without the tree, below).
stage deps "$S/prepare/deps.sh" || finish
# KUnit at HEAD in the scratch worktree and its build directory, which
# the bisect stage then reuses: its HEAD build is already done.
kunit_head() {
	"$S/prepare/worktree.sh" "$(git -C "$TREE" rev-parse HEAD)" &&
		"$S/check/kunit.sh" "$BUILD/bisect/linux" "$BUILD/bisect/out/kunit"
}

# Two lanes from here.  The static lane (the quick checks, kunit,
# bisect) needs no test kernel and works in the scratch worktree
# build/bisect/linux; the guest lane makes the kernel tree, builds the
# test kernel in build/linux, boots it, then runs coccicheck in its own
# worktree, build/static/linux.  The static lane starts at
# once, in the background, niced: the model and the report tests need
# no tree and run beside the tree stage (single-threaded git), the rest
# waits for the tree.  Its work fills what the test kernel's build and
# the guests leave of the two cores (the single-threaded quick checks,
# link steps, QEMU waiting) without taking CPU time they want (the
# guests' checks have wall-clock timeouts); once the guests are done it
# is reniced to 0.  Coccicheck comes after the guests, beside bisect,
# so that bisect's serial steps (a make per prefix) leave no core idle;
# sparse ends the static lane, in bisect's worktree (the guest lane,
# with QEMU slowed by the static lane beside it, is the longer one).  The static lane's output (stdout and
# stderr) is printed when both lanes are done.
static_lane() {
	passed=0 failed=0 failures=()
	# The model of the rules (model/sbnofs.pml): no kernel build.
	stage model "$S/check/model.sh" || true
	# The benchmark reports' unit tests (scripts/bench/report): seconds.
	stage report env PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -q -s "$S/bench/report" || true
	# make check's own flow, every stage a stub (scripts/check/harness.sh)
	stage harness "$S/check/harness.sh" || true
	# the tree stage's outcome (a failed tree ends make check)
	while [ ! -e "$lane.tree" ]; do sleep 1; done
	stage checkpatch "$S/check/static.sh" checkpatch || true
	stage kernel-doc "$S/check/static.sh" kerneldoc || true
	stage kunit kunit_head || true
	stage bisect "$S/check/bisect.sh" || true
	stage sparse "$S/check/static.sh" sparse || true
	echo "$passed $failed ${failures[*]}" >"$lane.status"
}
lane=$(mktemp "$BUILD/check-lane.XXXXXX")
lane_pid=
# An interrupted check stops the static lane too (a background job of a
# script ignores SIGINT; with job control it has its own process group).
stop_lane() {
	if [ -n "$lane_pid" ]; then
		kill -- -"$lane_pid" 2>/dev/null || true
		wait "$lane_pid" 2>/dev/null || true
	fi
	lane_pid=
}
wt_pid=
# (errexit applies in the trap: a kill of an ended job must not fail it)
trap 'stop_lane; [ -z "$wt_pid" ] || kill "$wt_pid" 2>/dev/null || true; rm -f "$lane" "$lane.status" "$lane.tree"' EXIT
trap 'echo "[check] interrupted" >&2; exit 130' INT TERM
set -m
static_lane >"$lane" 2>&1 &
lane_pid=$!
set +m
# its children inherit the niceness
renice -n 10 -g "$lane_pid" >/dev/null
if ! stage tree "$S/prepare/tree.sh"; then
	# the lane's own output is lost with it
	stop_lane
	finish
fi
: >"$lane.tree"
# coccicheck's worktree, checked out while the test kernel builds: a
# minute of mostly disk writes that would otherwise precede it at the
# end of the guest lane
nice -n 10 "$S/prepare/worktree.sh" "$(git -C "$TREE" rev-parse HEAD)" "$BUILD/static/linux" \
	>"$LOGS/worktree-static.log" 2>&1 &
wt_pid=$!
debug_ok=0
stage kernel-debug "$S/build/build-kernel.sh" debug && debug_ok=1
if [ $debug_ok = 1 ]; then
	# Each stage has the name of its make target; the guest script
	# declares its VM ("# vm:" line, read by run-qemu.sh).
	stage smoke-debug "$S/boot/run-qemu.sh" --kernel "$OUT/x86-debug/arch/x86/boot/bzImage" \
		--script smoke.sh --args "${SMOKE_MEMMAX:-160M}" \
		--log "$LOGS/qemu-smoke-debug.log" --quiet || true
	# Superblock-scoped reclaim in the real kernel, switch on and off: the
	# rules through the test driver (the verdict), then a real load (reported).
	for sw in on off; do
		stage "scoped-$sw" "$S/boot/run-qemu.sh" --kernel "$OUT/x86-debug/arch/x86/boot/bzImage" \
			--script scoped.sh --args "${SCOPED_MEMMAX:-28M},$sw" \
			--log "$LOGS/qemu-scoped-$sw.log" --quiet || true
	done
	# The series' kselftests (tools/testing/selftests/nofs_sb): every rule
	# of the decision on real filesystems, through the test driver, then
	# the lockdep scenarios (quota, lazytime, freeze, shutdown, tmpfs with
	# swap, XFS splits, ext4) sharing the same boot.
	stage selftest "$S/boot/run-qemu.sh" --kernel "$OUT/x86-debug/arch/x86/boot/bzImage" \
		--script selftest.sh --log "$LOGS/qemu-selftest.log" --quiet || true
	# Bounded stress under lockdep and the hung-task detector.
	stage stress "$S/boot/run-qemu.sh" --kernel "$OUT/x86-debug/arch/x86/boot/bzImage" \
		--script stress.sh --args "${STRESS_SECONDS:-60},${STRESS_HEADROOM:-8}" \
		--log "$LOGS/qemu-stress.log" --quiet || true
fi
# No guest runs from here: the static lane needs no nice any more (its
# serial steps and these stages' parallel ones fill each other's gaps).
# Lowering a nice value needs root, as in CI; otherwise it stays niced.
renice -n 0 -g "$lane_pid" >/dev/null 2>&1 || true
# (if it failed, coccicheck checks the worktree out again, or says why not)
wait "$wt_pid" || echo "[check] checking out build/static/linux failed: coccicheck tries again (log: $LOGS/worktree-static.log)" >&2
stage coccicheck "$S/check/static.sh" cocci || true
wait "$lane_pid" || true
lane_pid=
cat "$lane"
if [ -s "$lane.status" ]; then
	read -r p f rest <"$lane.status"
	passed=$((passed + p))
	failed=$((failed + f))
	# shellcheck disable=SC2206
	failures+=($rest)
else
	failed=$((failed + 1))
	failures+=("static-lane(no status)")
	echo "[check] static lane: FAILED (it ended without a status)"
fi
finish
