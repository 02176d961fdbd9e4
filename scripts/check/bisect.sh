#!/usr/bin/env bash
# bisect.sh: every prefix of the series must compile and link, with the
# UML/KUnit configuration, in the scratch worktree and its build directory
# (build/bisect/out/kunit, the kunit stage's).
#
# HEAD is built whole first (the kunit stage of make check has just done
# that: nothing to do then).  Each earlier commit $BASE_TAG..HEAD~1 is then
# a partial build in the same directory: the objects of the .c files the
# series touches (those that exist at that commit and that HEAD's vmlinux
# links), incrementally, followed by a link check: every global symbol
# those objects use must be defined by one of them or by the rest of the
# kernel, HEAD's vmlinux without the touched objects.  What this does not
# check (docs/testing.md): untouched objects are compiled only at HEAD,
# so a header change that breaks one of them at a prefix and is taken back
# by a later patch, or an inline a header gains at a prefix that calls
# what only a later patch defines, used only by untouched code, pass.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=bisect
tree_ok || die "no kernel tree (run: make tree)"
need nm
mapfile -t commits < <(series_commits)
n=${#commits[@]}
if [ "$n" -le 1 ]; then
	echo "bisect: $n patch(es): every prefix is HEAD, built by the other stages"
	exit 0
fi
wt=$BUILD/bisect/linux
out=$BUILD/bisect/out/kunit
kcfg=$TOP/configs/kunit/sbnofs.kunitconfig
tmp=$(mktemp -d "$BUILD/bisect.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
head=${commits[n - 1]}

export LC_ALL=C	# sort and comm agree on the order
# The touched .c files of the kernel (as the static checks choose them).
# A .c file the series deletes or renames would need its own handling.
kdiff() {
	git -C "$TREE" diff --no-renames --name-only "$@" "$BASE_TAG" "$head" -- '*.c' |
		grep -v -E '^(tools|scripts|samples|Documentation)/' || true
}
gone=$(kdiff --diff-filter=D)
[ -z "$gone" ] && [ -n "$(kdiff --diff-filter=AM)" ] ||
	die "the series deletes .c files ($gone) or touches none: not supported"
mapfile -t touched < <(kdiff --diff-filter=AM)

# defined OBJ...: the global symbols the objects define
defined() {
	nm -g --defined-only --format=posix "$@" | awk 'NF >= 2 && $1 !~ /:$/ { print $1 }' | sort -u
}
# undefined OBJ...: the symbols the objects need (weak references, which
# may stay undefined, left out)
undefined() {
	nm -u --format=posix "$@" | awk 'NF >= 2 && $1 !~ /:$/ && $2 == "U" { print $1 }' | sort -u
}

"$TOP/scripts/prepare/worktree.sh" "$head"
info "bisect: building HEAD whole (patch $n/$n)"
"$TOP/scripts/check/kunit.sh" "$wt" "$out" --build-only >/dev/null ||
	die "HEAD does not build"
[ -f "$out/vmlinux" ] || die "no $out/vmlinux after the HEAD build"
# the touched objects HEAD's vmlinux links (vmlinux.a lists them; a stale
# object of another configuration is not among them)
# (ar prints the members of a thin archive named by an absolute path as
# absolute paths: list it from its directory)
(cd "$out" && ar t vmlinux.a) | sort -u >"$tmp/linked"
objs=()
for f in "${touched[@]}"; do
	grep -qxF "${f%.c}.o" "$tmp/linked" && objs+=("${f%.c}.o")
done
[ ${#objs[@]} -gt 0 ] || die "HEAD's build links none of the ${#touched[@]} touched .c files"
# the .c files HEAD's build reads: those its objects' command files name
# (a .c file can be #included by another), as paths in the source tree
rel=$(realpath -m --relative-to="$out" "$wt")
find "$out" -name '.*.cmd' -print0 | xargs -0 cat | grep -oE '[^ :=]+\.c\b' |
	sed -e "s|^$wt/||" -e "s|^$rel/||" | sort -u >"$tmp/read-c"
# The rest of the kernel: the global symbols the untouched objects of
# vmlinux.a define, and the names the final link itself provides (linker
# script symbols, UML's libc): those of vmlinux that no object defines.
# (UML's vmlinux has its kernel symbols made local, so they are read from
# the objects.)
defined "${objs[@]/#/$out/}" >"$tmp/head-defs"
nm --defined-only --format=posix "$out/vmlinux.a" | awk 'NF >= 2 && $1 !~ /[:\]]$/ { print $1 }' |
	sort -u >"$tmp/objs-all"
nm -g --defined-only --format=posix "$out/vmlinux.a" | awk 'NF >= 2 && $1 !~ /[:\]]$/ { print $1 }' |
	sort -u | comm -23 - "$tmp/head-defs" >"$tmp/rest"
nm --format=posix "$out/vmlinux" | awk 'NF >= 2 { print $1 }' | sort -u |
	comm -23 - "$tmp/objs-all" | sort -u -m - "$tmp/rest" >"$tmp/rest.new"
mv "$tmp/rest.new" "$tmp/rest"
# HEAD's own objects pass the link check, or the check is wrong.
undefined "${objs[@]/#/$out/}" | comm -23 - "$tmp/head-defs" | comm -23 - "$tmp/rest" >"$tmp/missing"
[ -s "$tmp/missing" ] && die "link check broken: HEAD's touched objects use symbols vmlinux lacks: $(head -n 5 "$tmp/missing" | paste -s -d ' ')"

# unseen C NEXT: the files NEXT changes are none this build reads: text
# (Documentation/, MAINTAINERS, the kselftests, the coccinelle scripts)
# and .c files HEAD's build neither links nor includes (drivers the UML
# config leaves out).  No Kconfig, Makefile or header: the configuration and
# the set of compiled files are those of NEXT.  C's build is then NEXT's.
unseen() {
	local f
	while read -r f; do
		case $f in
		Documentation/* | MAINTAINERS | tools/testing/selftests/* | scripts/coccinelle/*) ;;
		*.c) ! grep -qxF "${f%.c}.o" "$tmp/linked" && ! grep -qxF "$f" "$tmp/read-c" || return 1 ;;
		*) return 1 ;;
		esac
	done < <(git -C "$TREE" diff --no-renames --name-only "$1" "$2")
}

built=0
unseen_n=0
configured=$head	# the commit whose Kconfig files made $out/.config
for ((i = 1; i < n; i++)); do
	c=${commits[i - 1]}
	next=${commits[i]}
	subj=$(git -C "$TREE" log -1 --format=%s "$c")
	# The next patch changes nothing this build reads: building that
	# one, or HEAD, covers this one.
	if unseen "$c" "$next"; then
		info "bisect: patch $i/$n builds as patch $((i + 1)) (which changes only files the UML build does not read)"
		unseen_n=$((unseen_n + 1))
		continue
	fi
	built=$((built + 1))
	"$TOP/scripts/prepare/worktree.sh" "$c"
	pobjs=()
	for o in "${objs[@]}"; do
		[ -f "$wt/${o%.o}.c" ] && pobjs+=("$o")
	done
	# options the kunitconfig names may not exist yet at this commit:
	# olddefconfig drops them.  With the same Kconfig files as the commit
	# the configuration was made at, it would write the same .config, and
	# kbuild would still re-sync include/config: skipped then.
	if ! git -C "$TREE" diff --quiet "$configured" "$c" -- ':(glob)**/Kconfig*' tools/testing/kunit/configs/arch_uml.config; then
		cat "$wt/tools/testing/kunit/configs/arch_uml.config" "$kcfg" >"$out/.config"
		run_logged "$LOGS/kunit-bisect-config.log" make -C "$wt" ARCH=um O="$out" CC="$KCC" olddefconfig ||
			die "patch $i/$n: olddefconfig failed (log: $LOGS/kunit-bisect-config.log)"
		configured=$c
	fi
	if [ ${#pobjs[@]} -eq 0 ]; then
		info "bisect: patch $i/$n: none of the touched files exists yet, nothing to build: $subj"
		continue
	fi
	info "bisect: patch $i/$n: ${#pobjs[@]} objects: $subj"
	res=$("$TOP/scripts/build/kbuild.sh" kunit-bisect make -C "$wt" ARCH=um O="$out" CC="$KCC" -j"$JOBS" "${pobjs[@]}") ||
		die "patch $i/$n does not build on its own: $subj"
	defined "${pobjs[@]/#/$out/}" >"$tmp/defs"
	undefined "${pobjs[@]/#/$out/}" | comm -23 - "$tmp/defs" | comm -23 - "$tmp/rest" >"$tmp/missing"
	if [ -s "$tmp/missing" ]; then
		die "patch $i/$n does not link on its own: $(wc -l <"$tmp/missing") undefined symbol(s): $(head -n 5 "$tmp/missing" | paste -s -d ' '): $subj"
	fi
	info "bisect: patch $i/$n: ${res#build kunit-bisect: }"
done
echo "bisect: patches 1..$((n - 1)) of $n compile and link on their own ($built built: the objects of the ${#objs[@]} touched .c files HEAD's UML/KUnit build compiles, then a link check; $unseen_n build as the next patch, which changes only files the UML build does not read; $n = HEAD built whole)"
