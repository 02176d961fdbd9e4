# shellcheck shell=bash
# Common settings and helpers for the harness scripts.  Source, do not run.

set -o errexit -o nounset -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBNOFS_BUILD:-$TOP/build}
TREE=$BUILD/linux                 # the git kernel tree (developer works here)
OUT=$BUILD/out                    # O= build directories
LOGS=$BUILD/logs
PATCHES=$TOP/patches
LOCK=$TOP/base/linux-source.lock
BASE_TAG=sbnofs-base              # pristine Debian source, one commit
BRANCH=sbnofs                     # the series on top of it

# Project identity: author and Signed-off-by of every patch.  Not a person;
# a human submitter adds their own Signed-off-by (see README).
SBNOFS_NAME="sbnofs project"
SBNOFS_EMAIL="sbnofs@example.org"
# Fixed dates make the pristine base commit byte-identical on every machine.
BASE_DATE="2000-01-01T00:00:00+0000"

export GIT_AUTHOR_NAME=$SBNOFS_NAME GIT_AUTHOR_EMAIL=$SBNOFS_EMAIL
export GIT_COMMITTER_NAME=$SBNOFS_NAME GIT_COMMITTER_EMAIL=$SBNOFS_EMAIL

# ccache on by default (SBNOFS_CCACHE=0 turns it off).  Depend mode avoids
# the preprocessor-mode cold-build penalty; BASEDIR makes hits independent of
# where the project is checked out.
if [ "${SBNOFS_CCACHE:-1}" = 1 ] && command -v ccache >/dev/null; then
	export CCACHE_DEPEND=1 CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
	KCC="ccache gcc"
else
	KCC=gcc
fi
JOBS=${JOBS:-$(nproc)}

mkdir -p "$BUILD" "$LOGS"

# die "one line reason": the last line the user sees.
die() {
	printf '%s: error: %s\n' "${SBNOFS_PROG:-$(basename "$0")}" "$*" >&2
	exit 1
}

warn() { printf '%s: warning: %s\n' "${SBNOFS_PROG:-$(basename "$0")}" "$*" >&2; }
info() { printf '==> %s\n' "$*" >&2; }

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			die "missing tool '$t' (run: make deps)"
	done
}

# lock_get KEY: a value from base/linux-source.lock
lock_get() {
	sed -n "s/^$1=//p" "$LOCK"
}

# The tree exists and has the base tag.
tree_ok() {
	[ -d "$TREE/.git" ] && git -C "$TREE" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null
}

# Commits of the series in the tree, oldest first.
series_commits() {
	git -C "$TREE" rev-list --reverse "$BASE_TAG..HEAD"
}

# run_logged LOG CMD...: run with output to LOG, show progress lines, fail
# with the last lines of the log.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 25 "$log" >&2
		return 1
	fi
}

# Wall-clock timing of a stage for the summary.
now() { date +%s; }

# kselftest exit codes: an inconclusive run (neither pass nor fail) is a skip
KSFT_SKIP=4

# The unpatched kernel's source: a worktree of the tree at $BASE_TAG in
# $UNPATCHED_SRC, made if missing; dies if it moved or has local edits.
UNPATCHED_SRC=$BUILD/unpatched/linux
unpatched_worktree() {
	local base_commit

	base_commit=$(git -C "$TREE" rev-parse "$BASE_TAG^{commit}")
	if [ ! -e "$UNPATCHED_SRC/.git" ]; then
		info "worktree $UNPATCHED_SRC at $BASE_TAG"
		mkdir -p "$(dirname "$UNPATCHED_SRC")"
		git -C "$TREE" worktree add -q --detach "$UNPATCHED_SRC" "$BASE_TAG" ||
			die "git worktree add $UNPATCHED_SRC $BASE_TAG failed"
	fi
	[ "$(git -C "$UNPATCHED_SRC" rev-parse HEAD)" = "$base_commit" ] ||
		die "$UNPATCHED_SRC is not at $BASE_TAG (remove it: git -C $TREE worktree remove $UNPATCHED_SRC)"
	[ -z "$(git -C "$UNPATCHED_SRC" status --porcelain --untracked-files=no)" ] ||
		die "$UNPATCHED_SRC has local edits"
}

# The benchmarks' kernels: the patched one ($BZ_PATCHED) and, with
# argument 1, the unpatched one ($BZ_UNPATCHED), each built unless
# BENCH_BUILD=0 and it exists.
BZ_PATCHED=$OUT/x86-base/arch/x86/boot/bzImage
BZ_UNPATCHED=$OUT/x86-unpatched/arch/x86/boot/bzImage
bench_kernels() {
	tree_ok || die "no kernel tree with tag $BASE_TAG (run: make tree)"
	# the tree as it is built: edits made while the benchmark boots do
	# not change what it ran
	BENCH_TREE="$(git -C "$TREE" describe --always --dirty --abbrev=12) ($(git -C "$TREE" log -1 --format=%s))"
	BENCH_SERIES="$(git -C "$TREE" rev-list --count "$BASE_TAG..HEAD") commits on $BASE_TAG"
	if [ "${BENCH_BUILD:-1}" = 1 ] || [ ! -f "$BZ_PATCHED" ]; then
		"$TOP/scripts/build/build-kernel.sh" base
	else
		BENCH_TREE+=" [not rebuilt (BENCH_BUILD=0): the tree now, not necessarily the bzImage's]"
	fi
	[ "$1" = 1 ] || return 0
	unpatched_worktree
	if [ "${BENCH_BUILD:-1}" = 1 ] || [ ! -f "$BZ_UNPATCHED" ]; then
		"$TOP/scripts/build/build-kernel.sh" base "$UNPATCHED_SRC" "$OUT/x86-unpatched"
	fi
}

# What a benchmark ran on, as key=value lines: host, tree, kernels (with
# argument 1 the unpatched one too).
bench_meta() {
	echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "host=$(nproc) cores, $(qemu-system-x86_64 --version | head -n 1), TCG"
	echo "patched_tree=${BENCH_TREE:?bench_kernels first}"
	echo "patched_series=$BENCH_SERIES"
	echo "base_tag=$BASE_TAG $(git -C "$TREE" rev-parse --short=12 "$BASE_TAG^{commit}")"
	echo "bzimage_patched=$BZ_PATCHED ($(date -u -r "$BZ_PATCHED" '+%Y-%m-%d %H:%M UTC'))"
	if [ "$1" = 1 ]; then
		echo "bzimage_unpatched=$BZ_UNPATCHED ($(date -u -r "$BZ_UNPATCHED" '+%Y-%m-%d %H:%M UTC'))"
	fi
}

# patches_hash DIR: content hash of a patches directory (series order and
# file contents), what sync-state.sh compares.
patches_hash() {
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

# sync_record: remember patches/ as the state the tree was last
# synchronised with (after make tree or make export); sync-state.sh reads it.
SYNC_RECORD=$TREE/.git/sbnofs-synced
sync_record() { patches_hash "$PATCHES" >"$SYNC_RECORD"; }
