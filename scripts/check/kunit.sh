#!/usr/bin/env bash
# kunit.sh [SRC] [OUTDIR] [--build-only]: configure, build and run the
# project's KUnit suites on UML with tools/testing/kunit/kunit.py and
# configs/kunit/sbnofs.kunitconfig.  One-line summary at the end.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=kunit
need python3 make gcc
src=$TREE
out=$OUT/kunit
build_only=0
pos=()
for a in "$@"; do
	case $a in
	--build-only) build_only=1 ;;
	*) pos+=("$a") ;;
	esac
done
[ ${#pos[@]} -ge 1 ] && src=${pos[0]}
[ ${#pos[@]} -ge 2 ] && out=${pos[1]}
# absolute: kunit.py runs from the source directory
src=$(realpath -m "$src")
out=$(realpath -m "$out")
[ -f "$src/tools/testing/kunit/kunit.py" ] || die "no kernel source at $src (run: make tree)"
kcfg=$TOP/configs/kunit/sbnofs.kunitconfig
mkdir -p "$out"   # kunit.py needs the directory (and its parent) to exist
name=kunit
[ "$src" = "$TREE" ] || name=kunit-bisect

cd "$src"
run_logged "$LOGS/$name-config.log" \
	python3 tools/testing/kunit/kunit.py config --kunitconfig="$kcfg" \
	--build_dir="$out" --make_options "CC=$KCC" ||
	die "kunit.py config failed: $(grep -m1 -iE 'error|not in' "$LOGS/$name-config.log" || echo see log) (log: $LOGS/$name-config.log)"
"$TOP/scripts/build/kbuild.sh" "$name" make ARCH=um O="$out" CC="$KCC" -j"$JOBS"
[ $build_only = 1 ] && exit 0

log=$LOGS/$name-run.log
rc=0
python3 tools/testing/kunit/kunit.py exec --build_dir="$out" --timeout=600 >"$log" 2>&1 || rc=$?
res=$(grep -E 'Testing complete\.' "$log" | tail -n 1 | sed 's/\x1b\[[0-9;]*m//g; s/^\[[0-9:]*\] //')
if [ $rc -ne 0 ]; then
	grep -E '\[FAILED\]|# .*: (ASSERTION|EXPECTATION) FAILED|Expected ' "$log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 20 >&2 || true
	die "KUnit failed: ${res:-no result line (crash?)} (log: $log)"
fi
# A skipped case tests nothing: a missing option in the kunitconfig is a
# failure of the harness, not a pass.
if grep -qE 'skipped: [1-9]' <<<"$res"; then
	grep -E '\[SKIPPED\]' "$log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 5 >&2 || true
	die "KUnit skipped cases: ${res#Testing complete. } (log: $log)"
fi
echo "kunit: ${res#Testing complete. }"
