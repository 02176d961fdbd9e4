#!/usr/bin/env bash
# static.sh [checkpatch|kerneldoc|sparse|cocci]...: static checks of the
# series ($BASE_TAG..HEAD of the kernel tree).  Default: all four.
#   checkpatch  scripts/checkpatch.pl --strict on every exported patch:
#               0 errors, 0 warnings, 0 checks (FILE_PATH_CHANGES ignored
#               for a patch whose added files are all under the series'
#               own MAINTAINERS section)
#   kerneldoc   scripts/kernel-doc -Wall on touched .c/.h files: no warning
#               that the base version of the file does not have
#   sparse      make C=2 on the objects of touched .c files (x86 debug
#               config), base vs series: no new warnings
#   cocci       the coccinelle script set of coccicheck (report mode) on
#               touched .c files: no report on a line the series adds;
#               then the series' memalloc_nofs_sb.cocci over fs/ext4,
#               fs/xfs, fs/jbd2 and the touched files: no early return
#               out of a superblock scope, conversion candidates counted
# Prints one line per check; exits 1 when any fails.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=static
need git perl
tree_ok || die "no kernel tree (run: make tree)"
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(checkpatch kerneldoc sparse cocci)

# coccicheck's own scratch worktree (make check runs it beside bisect),
# and sparse's, which is bisect's (make check runs sparse after bisect,
# in the same lane), with a build directory of its own
WT=$BUILD/static/linux
SWT=$BUILD/bisect/linux
SOUT=$BUILD/bisect/out/sparse
tmp=$(mktemp -d "$BUILD/static.XXXXXX")
# the coccicheck stage reduces files of the worktree in place ($tmp/reduced)
restore() {
	[ -s "$tmp/reduced" ] && xargs git -C "$WT" checkout -q -- <"$tmp/reduced"
	rm -rf "$tmp"
}
trap restore EXIT
failed=0
base=$(git -C "$TREE" rev-parse "$BASE_TAG")
head=$(git -C "$TREE" rev-parse HEAD)
# touched files (added or modified) at HEAD
mapfile -t changed < <(git -C "$TREE" diff --name-only --diff-filter=AM "$base" "$head")
kfiles=()	# touched .c files of the kernel (not tools/, scripts/, samples/)
for f in "${changed[@]}"; do
	case $f in *.c) ;; *) continue ;; esac
	case $f in tools/* | scripts/* | samples/* | Documentation/*) ;; *) kfiles+=("$f") ;; esac
done

fail() {
	echo "static: $1: FAIL: $2"
	failed=1
}

# multiset difference of normalised messages: lines of $2 not in $1
newlines() {
	awk 'NR==FNR {seen[$0]++; next} seen[$0] > 0 {seen[$0]--; next} {print}' "$1" "$2"
}

# covered PATCH: every file PATCH adds is under an F: entry of the series'
# own MAINTAINERS section (checkpatch's FILE_PATH_CHANGES warns about any
# added file in a patch that leaves MAINTAINERS alone, covered or not)
covered() {
	awk -v sect="$MAINTAINERS_SECTION" '
		FILENAME == ARGV[1] {
			if ($0 == sect) { insect = 1; next }
			if (insect && $0 == "") insect = 0
			if (insect && $1 == "F:") pat[++np] = $2
			next
		}
		/^diff --git a\// { f = substr($4, 3) }
		/^new file mode/ {
			added++
			ok = 0
			for (i = 1; i <= np; i++)
				if (f == pat[i] || (pat[i] ~ /\/$/ && index(f, pat[i]) == 1))
					ok = 1
			if (!ok) bad++
		}
		END { exit !(added > 0 && bad == 0) }' "$TREE/MAINTAINERS" "$1"
}
MAINTAINERS_SECTION="MEMORY MANAGEMENT - SUPERBLOCK NOFS SCOPES"

do_checkpatch() {
	"$TOP/scripts/export/export.sh" --out "$tmp/p"
	local p out e=0 w=0 c=0 n=0 first="" ign
	for p in $(grep -v -e '^#' -e '^$' "$tmp/p/series"); do
		n=$((n + 1))
		ign=()
		covered "$tmp/p/$p" && ign=(--ignore FILE_PATH_CHANGES)
		out=$(cd "$TREE" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --no-color --show-types -q "${ign[@]}" "$tmp/p/$p" 2>&1 || true)
		[ -z "$out" ] && continue
		printf '%s\n' "$out" | sed "s|^|  $p: |" >&2
		read -r te tw tc < <(printf '%s\n' "$out" | sed -n 's/^total: \([0-9]*\) errors, \([0-9]*\) warnings, \([0-9]*\) checks.*/\1 \2 \3/p' | tail -n 1)
		e=$((e + ${te:-0}))
		w=$((w + ${tw:-0}))
		c=$((c + ${tc:-0}))
		[ -n "$first" ] || first="$p: $(printf '%s\n' "$out" | grep -m1 -E '^(ERROR|WARNING|CHECK)')"
	done
	if [ $((e + w + c)) -gt 0 ]; then
		fail checkpatch "$e errors, $w warnings, $c checks in $n patches; first: $first"
	else
		echo "static: checkpatch --strict: $n patches, 0 errors, 0 warnings, 0 checks"
	fi
}

do_kerneldoc() {
	local f n=0 new=0 first=""
	for f in "${changed[@]}"; do
		case $f in *.c | *.h) ;; *) continue ;; esac
		n=$((n + 1))
		mkdir -p "$tmp/kd/base/$(dirname "$f")" "$tmp/kd/head/$(dirname "$f")"
		git -C "$TREE" show "$base:$f" >"$tmp/kd/base/$f" 2>/dev/null || : >"$tmp/kd/base/$f"
		git -C "$TREE" show "$head:$f" >"$tmp/kd/head/$f"
		# normalise "path:line: warning: text" to "warning: text"
		(cd "$tmp/kd/base" && perl "$TREE/scripts/kernel-doc" -none -Wall "$f" 2>&1 | sed -E 's/^[^ ]+:[0-9]+: //' | sort) >"$tmp/kd.b" || true
		(cd "$tmp/kd/head" && perl "$TREE/scripts/kernel-doc" -none -Wall "$f" 2>&1 | tee "$tmp/kd.raw" | sed -E 's/^[^ ]+:[0-9]+: //' | sort) >"$tmp/kd.h" || true
		newlines "$tmp/kd.b" "$tmp/kd.h" >"$tmp/kd.new"
		if [ -s "$tmp/kd.new" ]; then
			new=$((new + $(wc -l <"$tmp/kd.new")))
			sed "s|^|  $f: |" "$tmp/kd.new" >&2
			[ -n "$first" ] || first="$f: $(head -n 1 "$tmp/kd.new")"
		fi
	done
	if [ $new -gt 0 ]; then
		fail kernel-doc "$new new warnings in $n touched files; first: $first"
	else
		echo "static: kernel-doc -Wall: $n touched files, no new warnings"
	fi
}

# sparse_objs REV OUTFILE: sparse warnings of the touched objects at REV
sparse_objs() {
	local rev=$1 outf=$2 f log
	"$TOP/scripts/prepare/worktree.sh" "$rev" "$SWT"
	mkdir -p "$SOUT"
	cat "$TOP/configs/x86-base.config" "$TOP/configs/x86-debug.config" \
		"$TOP/configs/x86-sparse.config" >"$SOUT/sbnofs.fragment"
	# configure at every revision: options the series adds must be set at HEAD
	run_logged "$LOGS/sparse-config.log" make -C "$SWT" O="$SOUT" ARCH=x86_64 CC="$KCC" \
		KCONFIG_ALLCONFIG="$SOUT/sbnofs.fragment" allnoconfig || die "sparse: allnoconfig failed"
	run_logged "$LOGS/sparse-config.log" make -C "$SWT" O="$SOUT" ARCH=x86_64 CC="$KCC" olddefconfig ||
		die "sparse: olddefconfig failed"
	# options that do not exist yet at this commit are dropped: fine
	[ "$rev" = "$base" ] || "$TOP/scripts/build/check-config.sh" "$SOUT/sbnofs.fragment" "$SOUT/.config"
	# one make for all objects: kbuild's per-invocation overhead (sync
	# of the configuration, prepare) was most of this stage's time
	local objs=()
	for f in "${kfiles[@]}"; do
		# another architecture's code does not build for x86_64
		case $f in arch/x86/*) ;; arch/*) continue ;; esac
		[ -f "$SWT/$f" ] && objs+=("${f%.c}.o")
	done
	log=$LOGS/sparse-$(git -C "$TREE" log -1 --format=%h "$rev").log
	if ! make -C "$SWT" O="$SOUT" ARCH=x86_64 CC="$KCC" C=2 -j"$JOBS" "${objs[@]}" >"$log" 2>&1; then
		grep -m3 -E ' error: |No rule to make target' "$log" >&2 || tail -n 5 "$log" >&2
		die "sparse: building the touched objects at $(git -C "$TREE" log -1 --format=%h "$rev") failed: $(grep -m1 -E ' error: |No rule to make target' "$log" || echo see log) (not in configs/x86-sparse.config?) (log: $log)"
	fi
	# keep sparse's diagnostics, drop line:col so moved code compares equal
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$log" |
		sed -E 's/^([^ :]+):[0-9]+:[0-9]+: /\1: /' >"$outf" || true
	sort -o "$outf" "$outf"
}

do_sparse() {
	need sparse
	if [ ${#kfiles[@]} -eq 0 ]; then
		echo "static: sparse: no touched kernel .c files"
		return
	fi
	sparse_objs "$base" "$tmp/sp.base"
	sparse_objs "$head" "$tmp/sp.head"
	newlines "$tmp/sp.base" "$tmp/sp.head" >"$tmp/sp.new"
	if [ -s "$tmp/sp.new" ]; then
		sed 's/^/  /' "$tmp/sp.new" >&2
		fail sparse "$(wc -l <"$tmp/sp.new") new warnings; first: $(head -n 1 "$tmp/sp.new")"
	else
		local f other=()
		for f in "${kfiles[@]}"; do
			case $f in arch/x86/*) ;; arch/*) other+=("$f") ;; esac
		done
		echo "static: sparse C=2: $((${#kfiles[@]} - ${#other[@]})) touched kernel .c files, no new warnings (base $(wc -l <"$tmp/sp.base"), series $(wc -l <"$tmp/sp.head"))${other[*]:+; not built for x86_64: ${other[*]}}"
	fi
}

# added line numbers of FILE in the series: "file:line" per line
added_lines() {
	git -C "$TREE" diff -U0 "$base" "$head" -- "$1" |
		awk -v f="$1" '/^@@/ { split($3, a, ","); s = substr(a[1], 2); n = (a[2] == "" ? 1 : a[2]); for (i = 0; i < n; i++) print f ":" s + i }'
}

# wt_at_head: the worktree at HEAD, unmodified (a coccicheck run killed
# before it restored its reduced files leaves them behind)
wt_at_head() {
	[ "$(git -C "$WT" rev-parse HEAD 2>/dev/null)" = "$head" ] || "$TOP/scripts/prepare/worktree.sh" "$head" "$WT"
	git -C "$WT" diff --quiet || git -C "$WT" checkout -q -- .
}

# spatch as coccicheck runs it (report mode), and what its stderr says when
# a run timed out or could not run at all
SPATCH=(spatch -D report --no-show-diff --very-quiet --timeout 200)
COCCI_TIMEOUT_RE='Common\.Timeout|timeout \(we abort\)'
COCCI_ERROR_RE='No OCaml compiler|Aborting computation|Stack overflow|Fatal error|^exception'

# cocci_job SCRIPT OPTIONS NAME KIND FILE...: queue (in queue[]) one
# spatch run of SCRIPT over the FILEs as job file $tmp/jobs/N (lines: the
# script, its options, "NAME KIND", the files).  KIND is "all" (the
# script's files in one run) or "file" (one file).
cocci_job() {
	local j
	njob=$((njob + 1))
	j=$tmp/jobs/$njob
	printf '%s\n' "$1" "$2" "$3 $4" "${@:5}" >"$j"
	queue+=("$j")
}

# cocci_run: the queued jobs, $JOBS at a time and in queue order, each a
# spatch without --jobs (one core): JOB.out, JOB.err, JOB.time (seconds,
# summed per script into cocci-times.txt).
# A pool of single-core runs keeps both cores busy: spatch's own --jobs
# left one idle through most scripts (a standalone run at 53% of two
# cores), as some scripts make it take the files as one job.
cocci_run() {
	# file names and options have no blanks: split unquoted
	# shellcheck disable=SC2016
	printf '%s\n' "${queue[@]}" | (ulimit -s unlimited 2>/dev/null || ulimit -s 1048576
		cd "$WT" && SP="${SPATCH[*]}" xargs -P "$JOBS" -n 1 sh -c '
			t=$(date +%s)
			$SP --cocci-file "$(sed -n 1p "$1")" $(sed -n 2p "$1") $(sed 1,3d "$1") \
				>"$1.out" 2>"$1.err" || true
			echo $(($(date +%s) - t)) >"$1.time"' cocci-job)
}

# cocci_collect: the finished jobs' reports appended to cocci.out, their
# errors to bad[] and the log.  A one-file job that hit spatch's timeout
# lists its file in cocci.timeouts (not checked by that script); a job of
# several files that did is queued again as one job per file in redo[]:
# the timeout may cover the files together, and once hit, it aborts the
# script with no report for any file, although each alone takes seconds.
cocci_collect() {
	local j name kind e f
	redo=()
	for j in "${queue[@]}"; do
		read -r name kind <<<"$(sed -n 3p "$j")"
		cat "$j.err" >>"$LOGS/cocci.log"
		ctime[$name]=$((${ctime[$name]:-0} + $(cat "$j.time")))
		if grep -q -E "$COCCI_TIMEOUT_RE" "$j.err"; then
			if [ "$kind" = file ]; then
				echo "$(sed -n 4p "$j") $name" >>"$tmp/cocci.timeouts"
				cat "$j.out" >>"$tmp/cocci.out"
			else
				redo+=("$j")
			fi
			continue
		fi
		cat "$j.out" >>"$tmp/cocci.out"
		# a script that could not run is a hole in the check, not a pass
		e=$(grep -m 1 -E "$COCCI_ERROR_RE" "$j.err") && bad+=("$name: $e")
	done
	queue=()
	for j in "${redo[@]}"; do
		read -r name kind <<<"$(sed -n 3p "$j")"
		ckind[$name]="file, after a timeout of all files in one run"
		while read -r f; do
			cocci_job "$(sed -n 1p "$j")" "$(sed -n 2p "$j")" "$name" file "$f"
		done < <(sed 1,3d "$j")
	done
}

# cocci_candidates SCRIPT: the files of todo[] (as reduced in the
# worktree) in which SCRIPT can report, in run[].  spatch derives from a
# script the tokens a file must contain for any of its rules to match
# (its "Grep query", a formula of identifiers with || and &&) but, given a
# list of files, still parses every one of them (15 s for one script over
# the 69 touched files, 0.5 s for one file).  A file that contains none of
# the query's tokens, even as a substring, cannot satisfy it, whatever its
# form: it is left out, and a script no file can match does not run.  A
# script without a query (deref_null, badzero, minmax, ...) runs on all.
cocci_candidates() {
	local q
	q=$(spatch -D report --parse-cocci "$1" 2>/dev/null |
		awk '/^Grep query/ { g = 1; next } g && /^[A-Za-z0-9_ |&()]+$/ { print; next } { g = 0 }' |
		grep -o -E '[A-Za-z_][A-Za-z0-9_]*' | sort -u) || q=
	if [ -z "$q" ]; then
		run=("${todo[@]}")
	else
		mapfile -t run < <(cd "$WT" && grep -l -F -- "$q" "${todo[@]}")
	fi
}

# coccicheck's full script set in report mode, one spatch run per script
# over the touched .c files (coccicheck itself runs all 71 scripts once per
# file), or one per file for the slowest scripts, $JOBS runs at a time
# (cocci_run).  Only a report on a line the series adds counts, so each
# file is first reduced to what such a report can come from:
# scripts/check/cocci-reduce.py blanks the bodies of the functions the
# series does not touch, in the worktree's copy, keeping every line's
# number (what this can miss, a rule that needs the body of an untouched
# function to report on a touched one, is in docs/testing.md).  Each
# script runs only on the files that contain a token of its grep query
# (cocci_candidates); the scripts that ran on no file are listed in
# build/logs/cocci-skipped.txt.  Results are cached per file, keyed by its
# content, its base version, the scripts, the reducer and the spatch
# version: an edit reruns the scripts over the edited files only.
do_cocci() {
	need spatch
	if [ ${#kfiles[@]} -eq 0 ]; then
		echo "static: coccicheck: no touched .c files"
		return
	fi
	local cache=${XDG_CACHE_HOME:-$HOME/.cache}/sbnofs/cocci ver scripts rsum sp opt req f e name nsp
	local -A fkey ctime nfiles ckind
	local todo=() bad=() run=() skipped=() queue=() redo=() first=() middle=() last=() njob=0
	ver=$(spatch --version 2>&1 | sed -n 's/^spatch version \([0-9.]*\).*/\1/p')
	scripts=$(git -C "$TREE" rev-parse "$head:scripts/coccinelle")
	rsum=$(sha256sum <"$TOP/scripts/check/cocci-reduce.py" | cut -c1-16)
	mkdir -p "$cache"
	for f in "${kfiles[@]}"; do
		# "2": results of runs where every script ran (ocamlopt present,
		# no stack overflow); older entries may lack whole scripts
		# "3": results on the reduced file
		# "4": each script on the files that have its tokens
		fkey[$f]=$(printf '%s\n' 4 "$scripts" "$ver" "$f" "$(git -C "$TREE" rev-parse "$head:$f")" \
			"$(git -C "$TREE" rev-parse "$base:$f" 2>/dev/null)" "$rsum" | sha256sum | cut -c1-32)
		[ -f "$cache/${fkey[$f]}" ] || todo+=("$f")
	done
	if [ ${#todo[@]} -gt 0 ]; then
		wt_at_head
		: >"$tmp/cocci.out"
		: >"$tmp/cocci.times"
		: >"$tmp/cocci.timeouts"
		# reduce the worktree's copies; the EXIT trap puts them back
		printf '%s\n' "${todo[@]}" >"$tmp/reduced"
		for f in "${todo[@]}"; do
			added_lines "$f" | cut -d: -f2 >"$tmp/added"
			python3 "$TOP/scripts/check/cocci-reduce.py" "$WT/$f" "$tmp/added" >>"$LOGS/cocci-reduce.log" ||
				die "cocci-reduce.py failed on $f"
		done
		nsp=$(printf '%s\n' "$WT"/scripts/coccinelle/*/*.cocci | wc -l)
		info "coccicheck: $nsp scripts over ${#todo[@]} of ${#kfiles[@]} files, untouched function bodies blanked (uncached; results cached per file)"
		rm -rf "$tmp/jobs"
		mkdir -p "$tmp/jobs"
		for sp in "$WT"/scripts/coccinelle/*/*.cocci; do
			req=$(sed -n 's/^\/\/ *Requires: *//p' "$sp" | tr -d ' ')
			if [ -n "$req" ] && ! printf '%s\n%s\n' "$req" "$ver" | sort -CV; then
				continue
			fi
			opt=$(sed -n 's/^\/\/ *Options: *//p' "$sp")
			name=${sp#"$WT"/scripts/coccinelle/}
			cocci_candidates "$sp"
			if [ ${#run[@]} -eq 0 ]; then
				skipped+=("$name")
				continue
			fi
			nfiles[$name]=${#run[@]}
			case $name in
			# The slowest scripts of a measured run (cocci-times.txt)
			# are queued first, so that none is left running alone
			# at the end; the two slowest of all run one job per file,
			# small jobs queued last.
			null/deref_null.cocci | tests/unsigned_lesser_than_zero.cocci)
				ckind[$name]="file"
				for f in "${run[@]}"; do
					cocci_job "$sp" "$opt" "$name" file "$f"
					last+=("${queue[-1]}")
				done
				;;
			misc/minmax.cocci | misc/doubleinit.cocci | api/stream_open.cocci | null/badzero.cocci | api/resource_size.cocci)
				cocci_job "$sp" "$opt" "$name" all "${run[@]}"
				first+=("${queue[-1]}")
				;;
			*)
				cocci_job "$sp" "$opt" "$name" all "${run[@]}"
				middle+=("${queue[-1]}")
				;;
			esac
		done
		queue=("${first[@]}" "${middle[@]}" "${last[@]}")
		info "coccicheck: ${#queue[@]} spatch runs, $JOBS at a time"
		cocci_run
		cocci_collect
		if [ ${#queue[@]} -gt 0 ]; then
			info "coccicheck: ${#redo[@]} script(s) hit the timeout over their files together: again per file"
			cocci_run
			cocci_collect
		fi
		for name in "${!ctime[@]}"; do
			echo "${ctime[$name]} s $name (${nfiles[$name]} files${ckind[$name]:+, per file${ckind[$name]#file}})"
		done >"$tmp/cocci.times"
		xargs git -C "$WT" checkout -q -- <"$tmp/reduced"
		: >"$tmp/reduced"
		sort -rn "$tmp/cocci.times" >"$LOGS/cocci-times.txt"
		printf '%s\n' "${skipped[@]}" >"$LOGS/cocci-skipped.txt"
		info "coccicheck: ${#skipped[@]} scripts skipped, no touched file has a token of their grep query ($LOGS/cocci-skipped.txt)"
		info "coccicheck: slowest scripts (s): $(head -n 3 "$LOGS/cocci-times.txt" | paste -s -d ';' | sed 's/ s / /g; s/;/; /g') (all: $LOGS/cocci-times.txt)"
		if [ ${#bad[@]} -gt 0 ]; then
			printf '  %s\n' "${bad[@]}" >&2
			fail coccicheck "${#bad[@]} script(s) failed to run, nothing cached (log: $LOGS/cocci.log); first: ${bad[0]}"
			return
		fi
		grep -E '^[^ :]+\.c:[0-9]+:' "$tmp/cocci.out" | sed 's|^\./||' | sort -u >"$tmp/cocci.sorted" || true
		for f in "${todo[@]}"; do
			{
				awk -F: -v f="$f" '$1 == f' "$tmp/cocci.sorted"
				awk -v f="$f" '$1 == f { print "#timeout " $2 }' "$tmp/cocci.timeouts"
			} >"$cache/${fkey[$f]}.tmp"
			mv "$cache/${fkey[$f]}.tmp" "$cache/${fkey[$f]}"
		done
	fi
	: >"$tmp/cocci.reports"
	: >"$tmp/cocci.holes"
	for f in "${kfiles[@]}"; do
		grep -v '^#timeout ' "$cache/${fkey[$f]}" >>"$tmp/cocci.reports" || true
		sed -n "s|^#timeout |$f: |p" "$cache/${fkey[$f]}" >>"$tmp/cocci.holes"
	done
	: >"$tmp/cocci.all"
	for f in "${kfiles[@]}"; do
		added_lines "$f" >"$tmp/added"
		awk -F: 'NR==FNR {a[$1":"$2]=1; next} a[$1":"$2]' "$tmp/added" "$tmp/cocci.reports" >>"$tmp/cocci.all"
	done
	if [ -s "$tmp/cocci.all" ]; then
		sed 's/^/  /' "$tmp/cocci.all" >&2
		fail coccicheck "$(wc -l <"$tmp/cocci.all") reports on lines the series adds; first: $(head -n 1 "$tmp/cocci.all")"
	else
		echo "static: coccicheck (report, full script set): ${#kfiles[@]} touched .c files (${#todo[@]} rechecked), $(wc -l <"$tmp/cocci.reports") reports, none on added lines$([ -s "$tmp/cocci.holes" ] && echo "; not checked (a file alone over spatch's 200 s timeout): $(paste -s -d ',' "$tmp/cocci.holes" | sed 's/,/, /g')")"
	fi
}

# The series' own semantic patch over the filesystems that open
# superblock scopes, whole, and over the touched files: an early return
# out of a scope fails; the GFP_NOFS conversion candidates are counted
# (the cover letter quotes them).
do_cocci_scopes() {
	local sp=scripts/coccinelle/api/memalloc_nofs_sb.cocci e d n opts files=() out=()
	need spatch
	wt_at_head
	if [ ! -f "$WT/$sp" ]; then
		fail coccicheck "$sp is not in the series"
		return
	fi
	mapfile -t files < <(cd "$WT" && printf '%s\n' fs/ext4/*.c fs/xfs/*.c \
		fs/xfs/libxfs/*.c fs/jbd2/*.c "${kfiles[@]}" | sort -u)
	read -r -a opts <<<"$(sed -n 's/^\/\/ *Options: *//p' "$WT/$sp")"
	(cd "$WT" && "${SPATCH[@]}" --jobs "$JOBS" --cocci-file "$sp" \
		"${opts[@]}" "${files[@]}") \
		>"$tmp/scopes.out" 2>"$tmp/scopes.err" || true
	if e=$(grep -m 1 -E "$COCCI_ERROR_RE" "$tmp/scopes.err"); then
		fail coccicheck "$sp could not run: $e"
		return
	fi
	# the script must still find what it exists for: every "report"
	# function of the fixture reported (by line), no "quiet" one
	local fx=$TOP/scripts/check/cocci-fixtures/memalloc_nofs_sb.c want got
	want=$(awk '/^\/\* report:/ { r = 1; next } r && /^[a-z].*\(/ { sub(/\(.*/, ""); sub(/.* /, ""); print; r = 0 }' "$fx" | sort)
	got=$("${SPATCH[@]}" --cocci-file "$WT/$sp" "${opts[@]}" "$fx" 2>/dev/null |
		sed -n 's/^[^:]*:\([0-9]*\):.*/\1/p' | while read -r l; do
			awk -v l="$l" 'NR <= l && /^[a-z].*\(/ { f = $0 } NR == l { sub(/\(.*/, "", f); sub(/.* /, "", f); print f }' "$fx"
		done | sort -u)
	if [ "$want" != "$got" ]; then
		fail coccicheck "$sp on its fixture reported [$(echo $got)], want [$(echo $want)]"
		return
	fi
	grep -E '^[^ :]+\.c:[0-9]+:' "$tmp/scopes.out" | sort -u >"$LOGS/cocci-scopes.txt" || true
	if e=$(grep -m 1 'skips its memalloc_nofs_restore_sb' "$LOGS/cocci-scopes.txt"); then
		fail coccicheck "an early return out of a superblock NOFS scope: $e"
		return
	fi
	for d in fs/ext4 fs/xfs fs/jbd2; do
		n=$(grep -c "^$d/[^/]*:.*GFP_NOFS" "$LOGS/cocci-scopes.txt") || true
		out+=("${d#fs/} $n")
	done
	n=$(grep -c 'inside a superblock NOFS scope' "$LOGS/cocci-scopes.txt") || true
	local list
	list=$(IFS=,; echo "${out[*]}")
	echo "static: memalloc_nofs_sb.cocci over ${#files[@]} files: GFP_NOFS candidates ${list//,/, }, $n inside a scope's region; no early return out of a scope; fixture: $(echo $want | wc -w) cases reported (log: $LOGS/cocci-scopes.txt)"
}

for c in "${checks[@]}"; do
	case $c in
	checkpatch) do_checkpatch ;;
	kerneldoc) do_kerneldoc ;;
	sparse) do_sparse ;;
	cocci)
		do_cocci
		do_cocci_scopes
		;;
	*) die "unknown check '$c'" ;;
	esac
done
exit $failed
