#!/usr/bin/env bash
# build-kernel.sh VARIANT [SRC]: build the x86_64 test kernel.
#   VARIANT base  = configs/x86-base.config
#   VARIANT debug = base + configs/x86-debug.config (PROVE_LOCKING, ...)
#   VARIANT off   = base with CONFIG_NOFS_SB_RECLAIM (and the test driver,
#                   which depends on it) unset: the series compiled out
# SRC defaults to the kernel tree; output in OUTDIR, default build/out/x86-VARIANT
# (logs named after OUTDIR; make bench builds the unpatched base tree this way).
# Prints progress every 30 s and a one-line summary.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=build-kernel
need make gcc flex bison bc
variant=${1:?usage: build-kernel.sh base|debug|off [SRC] [OUTDIR]}
src=${2:-$TREE}
out=${3:-$OUT/x86-$variant}
name=$(basename "$out") # logs: config-NAME.log, build-NAME.log
[ -f "$src/Makefile" ] || die "no kernel source at $src (run: make tree)"

frags=("$TOP/configs/x86-base.config")
case $variant in
base) ;;
debug) frags+=("$TOP/configs/x86-debug.config") ;;
off) ;;
*) die "unknown variant '$variant' (base|debug|off)" ;;
esac
mkdir -p "$out"
frag=$out/sbnofs.fragment
cat "${frags[@]}" >"$frag.new"
if [ "$variant" = off ]; then
	sed -i -e '/^CONFIG_NOFS_SB_RECLAIM=/d' -e '/^CONFIG_TEST_NOFS_SB=/d' "$frag.new"
	printf '%s\n' '# CONFIG_NOFS_SB_RECLAIM is not set' >>"$frag.new"
fi
# Another tree than the series (make bench's unpatched base) lacks the
# series' own options (CONFIG_TEST_NOFS_SB): drop the options no Kconfig
# file of SRC defines, and say so.  The series' tree gets the fragments
# as they are, and check-config.sh fails on any option that did not stick.
if [ "$src" != "$TREE" ]; then
	grep -rhoE --include='Kconfig*' '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' "$src" |
		awk '{ print $2 }' | sort -u >"$out/kconfig-symbols"
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			sym=${line%%=*}
			if ! grep -qxF "${sym#CONFIG_}" "$out/kconfig-symbols"; then
				info "$name: $sym is not an option of $src, left out"
				continue
			fi
			;;
		esac
		printf '%s\n' "$line"
	done <"$frag.new" >"$frag.src"
	mv "$frag.src" "$frag.new"
fi
# Reconfigure only when the fragment changed (or .config is missing), so
# incremental builds stay incremental.
if [ ! -f "$out/.config" ] || ! cmp -s "$frag.new" "$frag"; then
	mv "$frag.new" "$frag"
	run_logged "$LOGS/config-$name.log" \
		make -C "$src" O="$out" ARCH=x86_64 CC="$KCC" KCONFIG_ALLCONFIG="$frag" allnoconfig ||
		die "allnoconfig failed for $name (log: $LOGS/config-$name.log)"
else
	rm -f "$frag.new"
fi
run_logged "$LOGS/config-$name.log" \
	make -C "$src" O="$out" ARCH=x86_64 CC="$KCC" olddefconfig ||
	die "olddefconfig failed for $name"
"$TOP/scripts/build/check-config.sh" "$frag" "$out/.config"

"$TOP/scripts/build/kbuild.sh" "$name" make -C "$src" O="$out" ARCH=x86_64 CC="$KCC" -j"$JOBS" bzImage
