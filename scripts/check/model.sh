#!/usr/bin/env bash
# model.sh: check model/sbnofs.pml with spin (make model; a make check
# stage).  Two parts, seconds in all:
#
# 1. Deadlock freedom: the SHIPPED configuration (the series' rules,
#    targets that keep the contract) must have no invalid end state in an
#    exhaustive search; each counterexample configuration (RULE2,
#    EXT4_EAGER, DQUOT, STACK_DEPTH, ANON_LOOSE) must have one, found by
#    spin.  A counterexample that is no longer found means the model
#    stopped modelling the hazard: that fails too.
# 2. The decision in step with the kernel: every row of the KUnit decision
#    table (decide_cases[] in mm/nofs_sb_kunit.c, read from the patch that
#    adds it) is evaluated by the model's decide(); a different reason or
#    allowed work fails.  A rule changed in nofs_sb_reclaim_decide() fails
#    KUnit until the table follows, and then this check until the model
#    follows.
. "$(dirname "$0")/../lib.sh"
SBNOFS_PROG=model
need spin gcc python3
MODEL=$TOP/model/sbnofs.pml
[ -f "$MODEL" ] || die "no $MODEL"
work=$BUILD/model
rm -rf "$work"
mkdir -p "$work"
cp "$MODEL" "$work/"
cd "$work" || die "cd $work"

fail=0
# run_pan CONFIG: spin -a, compile, exhaustive safety search; prints pan's
# summary to CONFIG.out, echoes the number of errors
run_pan() {
	local cfg=$1
	rm -f pan pan.[bchmpt] sbnofs.pml.trail
	spin -a -D"$cfg" sbnofs.pml >"$cfg.spin" 2>&1 ||
		die "spin -a -D$cfg failed: $(head -n 1 "$cfg.spin")"
	gcc -O2 -DSAFETY -o pan pan.c >"$cfg.gcc" 2>&1 ||
		die "compiling the verifier for $cfg failed (log: $work/$cfg.gcc)"
	# -m: search depth; a truncated search would not be exhaustive
	./pan -m100000 >"$cfg.out" 2>&1 || true
	grep -q 'error: max search depth too small' "$cfg.out" &&
		die "$cfg: search depth too small, the search was not exhaustive"
	if [ -f sbnofs.pml.trail ]; then
		spin -t -D"$cfg" sbnofs.pml >"$cfg.trail.txt" 2>&1 || true
	fi
	sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$cfg.out"
}
states() { sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$1.out"; }
# blocked CONFIG: where the counterexample's tasks are stuck, as the
# model's source lines
blocked() {
	local line
	grep -E '^ *[0-9]+:\s+proc +[0-9]+ \(task' "$1.trail.txt" 2>/dev/null |
		grep -v 'valid end state' | sed -n 's/.*sbnofs\.pml:\([0-9]*\) .*/\1/p' |
		while read -r line; do
			sed -n "${line}s/.*waits: \(.*\) \*\//\1/p" sbnofs.pml
		done | paste -sd ';' - | sed 's/;/; /g'
}

# unreached LINE-PATTERN: pan lists the model line matching it as never
# executed in the last SHIPPED search
unreached() {
	local line
	line=$(grep -n -- "$1" sbnofs.pml | head -n 1 | cut -d: -f1)
	[ -n "$line" ] || die "no line '$1' in the model"
	sed -n '/^unreached in proctype task/,/^unreached in init/p' SHIPPED.out |
		grep -q "sbnofs\.pml:$line,"
}

errs=$(run_pan SHIPPED)
if [ "$errs" = 0 ] && grep -q 'State-vector' SHIPPED.out; then
	echo "model: SHIPPED: no deadlock ($(states SHIPPED) states, exhaustive)"
else
	echo "model: SHIPPED: FAILED: ${errs:-no result} error(s); trail: $work/SHIPPED.trail.txt"
	fail=1
fi
# Not vacuous: reclaim does enter targets in SHIPPED, that which keeps the
# contract and that which takes G (held only by anonymous scope holders).
for pat in 'beh\[t\] == B_KEEPS -> skip' 'waits: G \*/' 'deferred\[t\]++'; do
	if unreached "$pat"; then
		echo "model: SHIPPED: FAILED: never reaches '$pat': the search proves nothing about entering targets"
		fail=1
	fi
done
for cfg in RULE2 EXT4_EAGER DQUOT STACK_DEPTH ANON_LOOSE; do
	errs=$(run_pan "$cfg")
	if [ "${errs:-0}" -gt 0 ] && grep -q 'invalid end state' "$cfg.out"; then
		echo "model: $cfg: deadlock found, as expected (tasks blocked at: $(blocked "$cfg"))"
	else
		echo "model: $cfg: FAILED: the expected deadlock was not found (log: $work/$cfg.out)"
		fail=1
	fi
done

# --- the KUnit decision table against the model's decide()
kpatch=$(grep -l '^+static const struct decide_case decide_cases\[\] = {' "$PATCHES"/0*.patch | head -n 1) ||
	die "no patch adds decide_cases[] (mm/nofs_sb_kunit.c)"
# The table must be what the series ends with: no later patch may edit it
# (its rows are the only lines that name these places).
others=$(grep -l -E '^[-+].*(IN_SCOPE|IN_ANON|IN_NOIO|NO_SCOPE|AFTER_SCOPE), NOFS_SB_' "$PATCHES"/0*.patch |
	grep -v -F "$kpatch" || true)
[ -z "$others" ] || die "decide_cases[] is edited by $(basename "$others"), not only by $(basename "$kpatch"): read it from there too"
python3 - "$kpatch" >table.pml <<'PY' || die "cannot read decide_cases[] from $kpatch"
import re, sys
src = open(sys.argv[1]).read().split('\n')
lines, on = [], False
for l in src:
    if l.startswith('+static const struct decide_case decide_cases[] = {'):
        on = True
        continue
    if on:
        if l.startswith('+};'):
            break
        lines.append(l[1:])
text = ' '.join(lines)
rows = re.findall(r'\{\s*"([^"]*)"\s*,([^{}]*)\}', text)
if not rows:
    sys.exit("no rows")
expected_rows = text.count('{ "')
if len(rows) != expected_rows:
    sys.exit("parsed %d of %d rows" % (len(rows), expected_rows))
GFP = {'GFP_KERNEL': (1, 1), 'GFP_NOFS': (0, 1), 'GFP_NOIO': (0, 0)}
WORK = {'0': 0, 'SB_RECLAIM_ALL': 7, 'SB_RECLAIM_FS_OBJECTS': 4,
        'SB_RECLAIM_DENTRIES': 1, 'SB_RECLAIM_INODES': 2}
REASON = {'NOFS_SB_FOREIGN': 'R_FOREIGN', 'NOFS_SB_SELF': 'R_SELF',
          'NOFS_SB_DISABLED': 'R_DISABLED',
          'NOFS_SB_UNKNOWN_DEPTH': 'R_UNKNOWN_DEPTH',
          'NOFS_SB_DEPTH': 'R_DEPTH', 'NOFS_SB_NOT_TARGET': 'R_NOT_TARGET',
          'NOFS_SB_NOT_SCOPED': 'R_NOT_SCOPED'}
B = {'true': 1, 'false': 0}
print('#define DECIDE_TABLE')
print('#include "sbnofs.pml"')
print('init {')
print('\tbyte reason, allowed;')
for name, rest in rows:
    f = [x.strip() for x in rest.strip().strip(',').split(',')]
    if len(f) != 10:
        sys.exit("row '%s': %d fields" % (name, len(f)))
    sdepth, tdepth = int(f[0]), int(f[1])
    req, where, reason, allowed = f[6], f[7], f[8], f[9]
    for val, names in ((f[2], B), (f[3], B), (f[4], B), (f[5], B), (req, GFP),
                       (reason, REASON), (allowed, WORK)):
        if val not in names:
            sys.exit("row '%s': '%s' is not known to this script" % (name, val))
    same, target, self_cb, sysctl_off = (B[x] for x in f[2:6])
    rfs, rio = GFP[req]
    # current_gfp_context() and the task flags at the decision, for each
    # place the KUnit case decides from (mm/nofs_sb_kunit.c)
    if where in ('IN_SCOPE', 'AFTER_SCOPE'):
        gfs, gmark, gio = 0, rfs, rio
    elif where == 'IN_ANON':
        gfs, gmark, gio = 0, 0, rio
    elif where == 'IN_NOIO':
        gfs, gmark, gio = 0, 0, 0
    elif where == 'NO_SCOPE':
        gfs, gmark, gio = rfs, 0, rio
    else:
        sys.exit("row '%s': unknown place %s" % (name, where))
    flags = {'IN_SCOPE': (1, 1, 0, 1), 'IN_ANON': (1, 0, 0, 1),
             'IN_NOIO': (1, 0, 1, 1), 'NO_SCOPE': (0, 0, 0, 0),
             'AFTER_SCOPE': (0, 0, 0, 0)}[where]
    tdepth = sdepth if same else tdepth
    selfw = 4 if self_cb else 0
    args = [gfs, gmark, gio] + list(flags) + [1 - sysctl_off, sdepth, tdepth,
            same, target, selfw, 7]
    print('\tdecide(%s, reason, allowed);' % ', '.join(str(a) for a in args))
    print('\tif')
    print('\t:: reason == %s && allowed == %d -> printf("TABLE ok: %s\\n")'
          % (REASON[reason], WORK[allowed], name))
    print('\t:: else -> printf("TABLE MISMATCH: %s: model says reason %%d allowed %%d, KUnit expects %s %s\\n", reason, allowed)'
          % (name, reason, allowed))
    print('\tfi;')
print('\tskip')
print('}')
PY
spin table.pml >table.out 2>&1 || die "spin table.pml failed: $(head -n 1 table.out)"
n_ok=$(grep -c '^ *TABLE ok:' table.out || true)
n_bad=$(grep -c '^ *TABLE MISMATCH:' table.out || true)
n_rows=$(grep -c 'decide(' table.pml || true)
if [ "$n_bad" -eq 0 ] && [ "$n_ok" -eq "$n_rows" ] && [ "$n_rows" -gt 0 ]; then
	echo "model: KUnit decision table ($(basename "$kpatch")): $n_ok of $n_rows rows agree"
else
	grep '^ *TABLE MISMATCH:' table.out | sed 's/^ */model: /' | head -n 10
	echo "model: KUnit decision table: FAILED: $n_bad of $n_rows rows disagree ($n_ok agree)"
	fail=1
fi
[ "$fail" = 0 ] || die "the model check failed (logs: $work)"
