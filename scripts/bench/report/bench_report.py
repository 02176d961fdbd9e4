"""The report of scripts/bench/bench.sh: results.txt (tables, per-run lines, a
reading generated from the numbers), cover-table.txt (the cover letter's
table), bench.png (gnuplot) and, for --demo, the side-by-side table and
reading on stdout.

    bench_report.py RECORDS META BOUT

RECORDS holds one line per boot (scenario=, config=, run=, qemu=, then
every "BENCH section key=value" of the guest as section.key=value, lat.KIND.
for latencies); META the run's parameters (key=value lines); BOUT the
output directory, with the serial logs in BOUT/logs and the overhead
scenario's records in BOUT/overhead.txt.  BENCH_DEMO=1 selects the demo
output.
"""

import os
import statistics
import sys
import textwrap

from common import fmt, gnuplot, med, medrange, num, read_records, read_text, table, vals

CONF_ORDER = ["off", "on", "on-dm", "unpatched", "oracle", "off-ext4", "on-ext4", "off-ext4p", "on-ext4p",
              "off-scsi", "on-scsi"]
# the pairs a reading compares, with what differs from off/on
PAIRS = [("off", "on", ""), ("off-ext4", "on-ext4", "workload Q on ext4"),
         ("off-ext4p", "on-ext4p", "cache P on ext4"), ("off-scsi", "on-scsi", "P and Q on virtio-scsi")]


def load_runs(records, bout):
    """The recorded runs.  A run without a result whose guest reported a
    failure before the workload started (e.g. the fill of P OOM-killed) is
    a setup failure (qemu=setup), not a kernel splat or a QEMU failure."""
    runs = read_records(records)
    for r in runs:
        if r.get("qemu") == "ok":
            continue
        try:
            log = read_text(os.path.join(bout, "logs", f"{r['scenario']}-{r['config']}-{r['run']}.log"),
                            errors="replace")
        except OSError:
            continue
        if "BENCH result" not in log:
            fails = [l for l in log.splitlines() if "BENCH-GUEST: FAIL:" in l]
            if fails:
                r["qemu"] = "setup"
                r["setup_msg"] = fails[0].split("FAIL:", 1)[1].strip()[:60]
    return runs


def freed(r):
    a, b = num(r.get("cache.p_objects")), num(r.get("memcg.p_objects"))
    return None if a is None or b is None else a - b


def summary(runs, scen):
    rows = []
    confs = [c for c in CONF_ORDER if any(r["scenario"] == scen and r["config"] == c for r in runs)]
    by = {c: [r for r in runs if r["scenario"] == scen and r["config"] == c] for c in confs}
    def row(label, f):
        rows.append([label] + [f(by[c]) for c in confs])
    row("runs", lambda rs: str(len(rs)))
    row("runs with an OOM kill", lambda rs: f"{sum(1 for r in rs if (num(r.get('result.oom_kill')) or 0) > 0)}/{len(rs)}")
    row("OOM kills (total)", lambda rs: fmt(sum(vals(rs, "result.oom_kill"))))
    row("workload completed", lambda rs: f"{sum(1 for r in rs if r.get('result.completed') == 'yes')}/{len(rs)}")
    row("runs timed out (watchdog)", lambda rs: f"{sum(1 for r in rs if r.get('result.reason') == 'timeout')}/{len(rs)}")
    row("runs with a kernel splat/qemu failure", lambda rs: f"{sum(1 for r in rs if r.get('qemu') not in ('ok', 'setup'))}/{len(rs)}")
    row("runs whose setup failed (no workload run)", lambda rs: f"{sum(1 for r in rs if r.get('qemu') == 'setup')}/{len(rs)}")
    row("time, completed runs (s) median [min-max]", lambda rs: medrange(rs, "result.time_ms", True, 0.001))
    # a killed run's fs_mark rate covers only the part it ran
    row("fs_mark files/s, completed runs (median)", lambda rs: med(rs, "result.files_per_sec", True))
    for kind, label in (("memcg", "memcg reclaim"), ("direct", "direct reclaim"),
                        ("scoped", "reclaim in a superblock scope")):
        row(f"{label}: calls, all runs (median)", lambda rs, k=kind: med(rs, f"lat.{k}.n"))
        row(f"{label}: calls that freed nothing (median)", lambda rs, k=kind: med(rs, f"lat.{k}.n_empty"))
        row(f"{label}: time in calls that freed nothing, ms (median)",
            lambda rs, k=kind: medrange(rs, f"lat.{k}.sum_empty_us", False, 0.001))
        row(f"{label}: calls begun after an OOM kill (median)", lambda rs, k=kind: med(rs, f"lat.{k}.n_after_oom"))
        row(f"{label}: calls that freed, before any OOM kill (median)", lambda rs, k=kind: med(rs, f"lat.{k}.n_freed"))
        # per-call latencies over the calls that freed something before
        # any OOM kill: a call that freed nothing is short because it gave
        # up, not because reclaim is fast (header: latency); runs without
        # such a call are left out, the row says how many remain
        row(f"{label}: p50 latency us, calls that freed", lambda rs, k=kind: medrange(rs, f"lat.{k}.p50_us", runs=True))
        row(f"{label}: p99 latency us, calls that freed", lambda rs, k=kind: medrange(rs, f"lat.{k}.p99_us", runs=True))
        row(f"{label}: max latency us, calls that freed", lambda rs, k=kind: medrange(rs, f"lat.{k}.max_us", runs=True))
        # a killed run ends early: its total is not comparable
        row(f"{label}: total time ms, completed runs", lambda rs, k=kind: medrange(rs, f"lat.{k}.sum_us", True, 0.001))
        row(f"{label}: pages reclaimed (median)", lambda rs, k=kind: med(rs, f"lat.{k}.nr_reclaimed"))
        row(f"{label}: slab objects freed (median)", lambda rs, k=kind: med(rs, f"lat.{k}.slab_freed"))
        row(f"{label}: most slab objects freed by one call (max)",
            lambda rs, k=kind: fmt(max(vals(rs, f"lat.{k}.slab_max"), default=None)))
    row("trace events lost (max)", lambda rs: fmt(max(vals(rs, "lat.memcg.trace_overrun") or [0])))
    row("allocstall (/proc/vmstat, median)", lambda rs: med(rs, "vmstat.allocstall"))
    row("pgscan_direct / pgscan_kswapd (median)", lambda rs: f"{med(rs, 'vmstat.pgscan_direct')} / {med(rs, 'vmstat.pgscan_kswapd')}")
    row("memcg pgscan / pgsteal (median)", lambda rs: f"{med(rs, 'memcg.pgscan')} / {med(rs, 'memcg.pgsteal')}")
    row("memory.events max (median)", lambda rs: med(rs, "memcg.max_events"))
    row("slabs_scanned (median)", lambda rs: med(rs, "vmstat.slabs_scanned"))
    row("P cache objects before (median)", lambda rs: med(rs, "cache.p_objects"))
    row("P cache objects freed (median)", lambda rs: fmt(statistics.median([x for x in map(freed, rs) if x is not None])) if any(freed(r) is not None for r in rs) else "n/a")
    for c in ("nofs_sb_freed", "nofs_sb_allowed", "nofs_sb_denied_disabled", "nofs_sb_denied_self",
              "nofs_sb_denied_unknown", "nofs_sb_denied_depth", "nofs_sb_denied_target"):
        row(f"{c} (median)", lambda rs, c=c: med(rs, f"vmstat.{c}"))
    return confs, by, rows


def per_run(runs, scen):
    lines = ["scenario config   run  completed reason   time_s  oom  memcg_calls  memcg_empty  memcg_p99_us  direct_calls  direct_p99_us  slabs_scanned  nofs_sb_freed  P_freed  qemu"]
    for c in CONF_ORDER:
        for r in runs:
            if r["scenario"] != scen or r["config"] != c:
                continue
            t = num(r.get("result.time_ms"))
            f = freed(r)
            lines.append(f"{scen:8} {c:9} {r['run']:>3}  {r.get('result.completed', 'n/a'):9} {r.get('result.reason', 'n/a'):7} "
                         f"{'n/a' if t is None else f'{t / 1000:.1f}':>7} {r.get('result.oom_kill', 'n/a'):>4} "
                         f"{r.get('lat.memcg.n', 'n/a'):>12} {r.get('lat.memcg.n_empty', 'n/a'):>12} "
                         f"{r.get('lat.memcg.p99_us', 'n/a'):>13} "
                         f"{r.get('lat.direct.n', 'n/a'):>13} {r.get('lat.direct.p99_us', 'n/a'):>14} "
                         f"{r.get('vmstat.slabs_scanned', 'n/a'):>14} {r.get('vmstat.nofs_sb_freed', 'n/a'):>14} "
                         f"{'n/a' if f is None else f'{f:.0f}':>8}  {r.get('qemu')}")
    return "\n".join(lines)


def problem_line(scen, by):
    rs = by.get("off") or by.get("unpatched")
    if not rs:
        return None
    name = "off" if by.get("off") else "unpatched"
    oom = sum(1 for r in rs if (num(r.get("result.oom_kill")) or 0) > 0)
    tmo = sum(1 for r in rs if r.get("result.reason") == "timeout")
    stalls = sum(vals(rs, "lat.direct.n")) + (sum(vals(rs, "lat.memcg.n")) if scen == "memcg" else 0)
    if oom or tmo:
        return f"The problem shows in '{name}': OOM kills in {oom}/{len(rs)} runs, watchdog timeouts in {tmo}/{len(rs)}."
    if scen == "global" and stalls:
        return (f"'{name}': no OOM kill or timeout in {len(rs)} runs; the problem shows only as direct reclaim "
                f"stalls ({stalls:.0f} in all runs; latencies above).")
    return (f"NOTE: the problem did NOT show in '{name}' with these parameters: no OOM kill and no "
            f"timeout in {len(rs)} runs (stall counts above).")


def verdict(off, on):
    """Every compared metric of the table, off vs on: where on is better,
    equal or worse.  Counts (OOM kills, completions) compare as they are;
    a median compares only when the two sets of runs do not overlap
    ([min-max] apart), otherwise the difference is within the spread of
    runs: with a handful of TCG boots a closer difference means nothing.
    A median of a single run has no spread to be apart from: such a
    metric is listed as having too few runs, whichever way it points."""
    def cnt(rs, pred): return sum(1 for r in rs if pred(r))
    def mv(rs, k, only_completed=False):
        return vals(rs, k, only_completed) or None
    def pfreed(rs):
        return [x for x in map(freed, rs) if x is not None] or None
    # label, value function, True if higher is better
    metrics = [
        ("runs with an OOM kill", lambda rs: cnt(rs, lambda r: (num(r.get("result.oom_kill")) or 0) > 0), False),
        ("workload completed", lambda rs: cnt(rs, lambda r: r.get("result.completed") == "yes"), True),
        ("runs timed out", lambda rs: cnt(rs, lambda r: r.get("result.reason") == "timeout"), False),
        ("time of completed runs", lambda rs: mv(rs, "result.time_ms", True), False),
        ("fs_mark files/s of completed runs", lambda rs: mv(rs, "result.files_per_sec", True), True),
        ("memcg reclaim calls", lambda rs: mv(rs, "lat.memcg.n"), False),
        ("memcg reclaim calls that freed nothing", lambda rs: mv(rs, "lat.memcg.n_empty"), False),
        ("memcg reclaim time in calls that freed nothing", lambda rs: mv(rs, "lat.memcg.sum_empty_us"), False),
        ("memcg reclaim p50 latency", lambda rs: mv(rs, "lat.memcg.p50_us"), False),
        ("memcg reclaim p99 latency", lambda rs: mv(rs, "lat.memcg.p99_us"), False),
        ("memcg reclaim max latency", lambda rs: mv(rs, "lat.memcg.max_us"), False),
        ("memcg reclaim total time", lambda rs: mv(rs, "lat.memcg.sum_us", True), False),
        ("p99 latency of reclaim in a superblock scope", lambda rs: mv(rs, "lat.scoped.p99_us"), False),
        ("direct reclaim calls", lambda rs: mv(rs, "lat.direct.n"), False),
        ("direct reclaim p99 latency", lambda rs: mv(rs, "lat.direct.p99_us"), False),
        ("direct reclaim total time", lambda rs: mv(rs, "lat.direct.sum_us", True), False),
        ("allocstall", lambda rs: mv(rs, "vmstat.allocstall"), False),
        ("memory.events max", lambda rs: mv(rs, "memcg.max_events"), False),
        ("P cache objects freed", pfreed, True),
    ]
    better, equal, spread, worse, na, few = [], [], [], [], [], []
    for label, f, higher in metrics:
        a, b = f(off), f(on)
        if a is None or b is None:
            na.append(label)
            continue
        if not isinstance(a, list):
            a, b = [a], [b]
        elif min(len(a), len(b)) < 2:
            few.append(label)
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        if ma == mb:
            equal.append(label)
        elif max(min(a), min(b)) <= min(max(a), max(b)):
            spread.append(label)
        elif (mb > ma) == higher:
            better.append(label)
        else:
            worse.append(label)
    s = ["Metric by metric (the rows of results.txt; counts as they are, medians only where the runs' "
         "[min-max] ranges do not overlap): on is better on " + (", ".join(better) or "none")
         + "; equal on " + (", ".join(equal) or "none")
         + "; different within the spread of runs on " + (", ".join(spread) or "none")
         + "; worse on " + (", ".join(worse) or "none") + "."]
    if na:
        s.append("Not comparable (no value on one side): " + ", ".join(na) + ".")
    if few:
        s.append("Too few runs to compare (a value from one run on a side): " + ", ".join(few) + ".")
    return " ".join(s)


def reading(by, a="off", b="on", demo=False):
    """A paragraph from the measured numbers of the memcg squeeze, off vs on
    (or another pair of configurations that differ only in the switch)."""
    off, on = by.get(a, []), by.get(b, [])
    if not off or not on:
        return ""
    def ooms(rs): return sum(1 for r in rs if (num(r.get("result.oom_kill")) or 0) > 0)
    def done(rs): return sum(1 for r in rs if r.get("result.completed") == "yes")
    def m(rs, k):
        v = vals(rs, k)
        return statistics.median(v) if v else None
    s = [f"With the switch off, the workload was OOM-killed in {ooms(off)} of {len(off)} run(s) and completed "
         f"in {done(off)}; with it on, OOM-killed in {ooms(on)} of {len(on)} and completed in {done(on)}."]
    a, b = m(on, "vmstat.nofs_sb_allowed"), m(on, "vmstat.nofs_sb_freed")
    if a is not None:
        s.append(f"With it on, scoped reclaim was allowed into a superblock {a:.0f} times (median) and freed "
                 f"{b or 0:.0f} objects through those entries; off, it was denied as disabled "
                 f"{m(off, 'vmstat.nofs_sb_denied_disabled') or 0:.0f} times.")
    fo = [x for x in map(freed, off) if x is not None]
    fn = [x for x in map(freed, on) if x is not None]
    if fo and fn:
        def change(x):  # freed() is before - after: negative when P's cache grew
            return f"lost {x:.0f} objects" if x >= 0 else f"grew by {-x:.0f} objects"
        s.append(f"P's cache {change(statistics.median(fo))} off and {change(statistics.median(fn))} on (median).")
    def mc(rs, k):
        v = vals(rs, k, True)
        return statistics.median(v) if v else None
    ea, eb = m(off, "lat.memcg.n_empty"), m(on, "lat.memcg.n_empty")
    sa, sb = m(off, "lat.memcg.sum_empty_us"), m(on, "lat.memcg.sum_empty_us")
    s.append(f"Memcg reclaim ran {m(off, 'lat.memcg.n') or 0:.0f} times per run off and "
             f"{m(on, 'lat.memcg.n') or 0:.0f} on (median of all runs)"
             + ("." if ea is None or eb is None else
                f"; {ea:.0f} and {eb:.0f} of them freed nothing, neither a page nor a slab object"
                + ("" if sa is None or sb is None else f", in {sa / 1000:.0f} and {sb / 1000:.0f} ms")
                + " (medians)."))
    po, pn = m(off, "lat.memcg.p50_us"), m(on, "lat.memcg.p50_us")
    if po is not None and pn is not None:
        fa, fb = m(off, "lat.memcg.n_freed"), m(on, "lat.memcg.n_freed")
        s.append(f"A call that freed something, before any OOM kill, took {po:.0f} us off and {pn:.0f} us on "
                 f"at p50 (median over the {len(vals(off, 'lat.memcg.p50_us'))} and "
                 f"{len(vals(on, 'lat.memcg.p50_us'))} runs that had one"
                 + (")." if fa is None or fb is None else f"; {fa:.0f} and {fb:.0f} such calls per run, median)."))
    ta, tb = mc(off, "lat.memcg.sum_us"), mc(on, "lat.memcg.sum_us")
    if ta is not None and tb is not None:
        s.append(f"Time spent in memcg reclaim per completed run: {ta / 1000:.0f} ms off and {tb / 1000:.0f} ms "
                 "on (median).")
    s.append(verdict(off, on))
    if ooms(off) == 0:
        s.append("The off case showed no OOM kill in these runs, so this run does not demonstrate the problem.")
    elif ooms(on) < ooms(off):
        s.append("Fewer OOM kills with the switch on, in this small number of runs.")
    elif ooms(on) >= ooms(off):
        s.append("The switch did not reduce OOM kills in these runs.")
    if demo:
        s.append(f"{len(off) + len(on)} runs under QEMU TCG: OOM onset is timing dependent; `make bench` repeats "
                 "each configuration more often and adds the unpatched kernel and the oracle.")
    else:
        s.append(f"{len(off)} runs each under QEMU TCG: OOM onset is timing dependent, so these are counts "
                 "of a small sample, not rates.")
    return " ".join(s)


def overhead_table(bout, metad):
    """The overhead scenario: ns per operation, median of the boots, one
    column per number of extra superblocks mounted."""
    path = os.path.join(bout, "overhead.txt")
    if not os.path.exists(path):
        return None
    recs, status, clocks = [], {}, set()
    for line in read_text(path).splitlines():
        d = dict(t.split("=", 1) for t in line.split() if "=" in t)
        if "qemu" in d:
            status[d.get("run")] = d["qemu"]
        elif "clocksource" in d:
            clocks.add(d["clocksource"])
        elif d:
            recs.append(d)
    ks = sorted({int(r["extra_mounts"]) for r in recs if "extra_mounts" in r})
    recs = [r for r in recs if "mode" in r]
    def m(mode, sw, key, k):
        v = [num(r.get(key)) for r in recs if r.get("mode") == mode and r.get("switch") == sw
             and r.get("extra_mounts") == str(k)]
        v = [x for x in v if x is not None]
        return statistics.median(v) if v else None
    spec = [("superblocks mounted in all", "sb", "1", "superblocks"),
            ("empty loop (reference)", "none", "1", "enter_leave"),
            ("enter+leave anonymous scope", "anon", "1", "enter_leave"),
            ("enter+leave superblock scope", "sb", "1", "enter_leave"),
            ("kmalloc+kfree(64), no scope", "none", "1", "kmalloc_kfree"),
            ("  in an anonymous scope", "anon", "1", "kmalloc_kfree"),
            ("  in a superblock scope", "sb", "1", "kmalloc_kfree"),
            ("alloc_page+free, no scope", "none", "1", "alloc_free_page"),
            ("  in an anonymous scope", "anon", "1", "alloc_free_page"),
            ("  in a superblock scope", "sb", "1", "alloc_free_page"),
            ("decision per sb, no scope", "none", "1", "decide"),
            ("  anonymous scope", "anon", "1", "decide"),
            ("  sb scope, switch off", "sb", "0", "decide"),
            ("  sb scope, switch on", "sb", "1", "decide")]
    lines = ["%-31s" % "ns per operation (median)" + "".join("%12s" % f"+{k} sbs" for k in ks)]
    for label, mode, sw, key in spec:
        lines.append("%-31s" % label + "".join("%12s" % fmt(m(mode, sw, key, k)) for k in ks))
    bad = sorted(r for r, st in status.items() if st != "ok")
    note = (f"{len(status)} boots" + (f", QEMU failed in run(s) {', '.join(bad)}" if bad else "")
            + f"; {metad.get('overhead', '')}; guest clocksource {', '.join(sorted(clocks)) or 'n/a'}")
    return "\n".join(lines), note


ORACLE = ("oracle = the same cgroup, memory.max, P cache fill and fs_mark command, but fs_mark's directory is on "
          "tmpfs instead of XFS Q (patched kernel, switch off). tmpfs creates and unlinks open no transaction and "
          "no NOFS scope, so every reclaim the workload triggers is GFP_KERNEL and may prune P's dentries and inodes: "
          "it shows what reclaim outside NOFS frees. It is not the same metadata cost (tmpfs has no log or buffers; "
          "its inodes stay pinned until unlinked).")


def header(runs, metad, demo):
    """The lines that say what was run, on what, and how it was measured."""
    out = []
    out.append("sbnofs benchmark (scripts/bench/bench.sh" + (" --demo" if demo else "") + ")")
    for k in ("date", "host", "patched_tree", "patched_series", "base_tag", "bzimage_patched", "bzimage_unpatched",
              "config_fragments", "runs", "memcg", "global", "fsmark", "watchdog"):
        if k in metad:
            out.append(f"  {k}: {metad[k]}")
    un = sorted({(r["config"], r.get("info.uname", "n/a")) for r in runs})
    out.append("  guest uname -r: " + ", ".join(f"{c}={u}" for c, u in un))
    cs = sorted({r.get("info.clocksource", "n/a") for r in runs})
    out.append("  guest clocksource: " + ", ".join(cs) + (" (TSC calibration fails under TCG: timestamps, and so "
               "latencies, move in jiffies: 4 ms at HZ=250)" if any("jiffies" in c for c in cs) else ""))
    out.append("  configurations: off/on = patched kernel with vm.nofs_sb_reclaim 0/1 (same image); "
               "on-dm = on, with P on dm-linear over its disk; "
               "off-ext4/on-ext4 = off/on with the workload Q on ext4; off-ext4p/on-ext4p = off/on with the cache P "
               "on ext4; off-scsi/on-scsi = off/on with P and Q on virtio-scsi disks; "
               "unpatched = " + metad.get("base_tag", "base tag") + " (switch and nofs_sb_* counters: n/a)")
    out.append("  " + ORACLE)
    out.append("  Timings are QEMU TCG timings: compare ratios within one run of this script, and counts.")
    out.append("  latency: per reclaim call, from vmscan:mm_vmscan_{memcg,direct}_reclaim_begin/end paired per pid; "
               "what a call freed: its nr_reclaimed pages and the objects the shrinkers it ran returned as freed "
               "(vmscan:mm_shrink_slab_end of the same pid in between; memcg reclaim's nr_reclaimed leaves slab "
               "out). p50/p99/max over the calls that freed something and began before the first OOM kill "
               "(oom:mark_victim), per run, then the median over the runs with such a call [min-max] (k/n runs "
               "when some had none); with one or two such calls in a run, its p50, p99 and max are the same "
               "call. A call that freed nothing is short because it gave up, not because reclaim is fast: "
               "such calls have their own rows (count and time), as do calls begun after an OOM kill (the "
               "victim's memory has just been freed). Total time covers every call of the runs that completed "
               "(a killed run ends early). memcg reclaim does not move /proc/vmstat allocstall.")
    out.append("  P cache objects: P's superblock shrinker count (debugfs shrinker/sb-xfs:vda-N/count, sb-xfs:dm-0-N for on-dm: unused dentries "
               "and inodes on its LRUs, XFS reclaimable inodes) after the stat of P and after the workload; "
               "nofs_sb_freed counts every dentry and inode freed separately.")
    return out


def narrow(scen, confs, by, pick):
    lines = ["%-27s" % "" + "".join("%10s" % c for c in confs)]
    for label, f in pick:
        lines.append("%-27s" % label + "".join("%10s" % f(by[c]) for c in confs))
    return "\n".join(lines)


def frac(pred):
    return lambda rs: f"{sum(1 for r in rs if pred(r))}/{len(rs)}"
def medv(key, only=False):
    return lambda rs: (lambda v: fmt(statistics.median(v)) if v else "n/a")(vals(rs, key, only))


def write_cover_table(path, scen_ok, metad, ovt):
    """cover-table.txt: the main rows, narrow enough for the cover letter
    (medians without ranges; results.txt has the rest)."""
    with open(path, "w") as f:
        for scen, confs, by in scen_ok:
            if scen == "memcg":
                f.write(textwrap.fill(f"memcg squeeze ({metad.get('memcg', '')}; {metad.get('fsmark', '')}; "
                                      f"{metad.get('runs', '').split()[0]} boots each):", 72) + "\n\n")
                pick = [("runs OOM-killed", frac(lambda r: (num(r.get("result.oom_kill")) or 0) > 0)),
                        ("workload completed", frac(lambda r: r.get("result.completed") == "yes")),
                        ("time completed (s, med)", lambda rs: (lambda v: fmt(statistics.median(v) * 0.001) if v else "n/a")(vals(rs, "result.time_ms", True))),
                        ("memcg reclaims (med)", medv("lat.memcg.n")),
                        ("empty reclaims (med)", medv("lat.memcg.n_empty")),
                        ("freeing reclaims (med)", medv("lat.memcg.n_freed")),
                        ("p99 of those (us, med)", medv("lat.memcg.p99_us")),
                        ("P objects freed (med)", lambda rs: (lambda v: fmt(statistics.median(v)) if v else "n/a")([x for x in map(freed, rs) if x is not None])),
                        ("nofs_sb_allowed (med)", medv("vmstat.nofs_sb_allowed")),
                        ("nofs_sb_freed (med)", medv("vmstat.nofs_sb_freed"))]
            else:
                f.write(textwrap.fill(f"global squeeze ({metad.get('global', '')}):", 72) + "\n\n")
                pick = [("setup failed", frac(lambda r: r.get("qemu") == "setup")),
                        ("workload completed", frac(lambda r: r.get("result.completed") == "yes")),
                        ("direct reclaims (med)", medv("lat.direct.n")),
                        ("p99 freeing (us, med)", medv("lat.direct.p99_us")),
                        ("P objects freed (med)", lambda rs: (lambda v: fmt(statistics.median(v)) if v else "n/a")([x for x in map(freed, rs) if x is not None])),
                        ("nofs_sb_allowed (med)", medv("vmstat.nofs_sb_allowed"))]
            f.write(narrow(scen, confs, by, pick) + "\n\n")
        if ovt:
            f.write(textwrap.fill(f"overhead ({ovt[1]}):", 72) + "\n\n" + ovt[0] + "\n\n")


def plot(bout, scen_ok):
    """bench.png: gnuplot, three panels per scenario (fractions of runs,
    latency, objects freed); its data in plot.dat.  The png's path."""
    png = os.path.join(bout, "bench.png")
    dat = os.path.join(bout, "plot.dat")
    with open(dat, "w") as f:
        for scen, confs, by in scen_ok:
            f.write(f"# {scen}\n")
            for c in confs:
                rs = by[c]
                n = len(rs) or 1
                oomf = sum(1 for r in rs if (num(r.get("result.oom_kill")) or 0) > 0) / n
                donef = sum(1 for r in rs if r.get("result.completed") == "yes") / n
                k = "memcg" if scen == "memcg" else "direct"
                p50 = vals(rs, f"lat.{k}.p50_us"); p99 = vals(rs, f"lat.{k}.p99_us")
                fr = [x for x in map(freed, rs) if x is not None]
                f.write(f"{c} {oomf:.3f} {donef:.3f} {statistics.median(p50) if p50 else 0} "
                        f"{statistics.median(p99) if p99 else 0} {statistics.median(fr) if fr else 0}\n")
            f.write("\n\n")
    gp = [f"set terminal pngcairo size 1200,{450 * len(scen_ok)} font ',9'", f"set output '{png}'",
          f"set multiplot layout {len(scen_ok)},3", "set style data histograms", "set style fill solid 0.8 border -1",
          "set boxwidth 0.8", "set key top left", "set grid ytics"]
    for i, (scen, confs, by) in enumerate(scen_ok):
        k = "memcg" if scen == "memcg" else "direct"
        nruns = max(len(v) for v in by.values())
        gp += [f"set title '{scen}: fraction of runs (n={nruns} each)'",
               "set yrange [0:1.05]", "unset logscale y",
               f"plot '{dat}' index {i} using 2:xtic(1) title 'OOM-killed', '' index {i} using 3 title 'completed'",
               f"set title '{scen}: {k} reclaim latency, calls that freed (us, median of runs)'", "set yrange [*:*]", "set logscale y",
               f"plot '{dat}' index {i} using ($4 > 0 ? $4 : 1):xtic(1) title 'p50', '' index {i} using ($5 > 0 ? $5 : 1) title 'p99'",
               "unset logscale y", f"set title '{scen}: P cache objects freed (median)'", "set yrange [0:*]",
               f"plot '{dat}' index {i} using 6:xtic(1) title 'freed'"]
    gp.append("unset multiplot")
    gnuplot(gp, "bench")
    return png


def main(argv):
    records, meta, bout = argv[1:4]
    demo = os.environ.get("BENCH_DEMO") == "1"
    runs = load_runs(records, bout)
    metad = dict(l.split("=", 1) for l in read_text(meta).splitlines() if "=" in l)
    out = header(runs, metad, demo)
    reading_text = ""
    scen_ok = []
    for scen in ("memcg", "global"):
        if not any(r["scenario"] == scen for r in runs):
            continue
        confs, by, rows = summary(runs, scen)
        scen_ok.append((scen, confs, by))
        title = {"memcg": "memcg squeeze (one cgroup with memory.max)",
                 "global": "global squeeze (small guest, no memory limit)"}[scen]
        out.append("")
        out.append(f"== {title}")
        out.append(table(confs, rows))
        pl = problem_line(scen, by)
        if pl:
            out.append(pl)
        if scen == "memcg":
            reading_text = reading(by, demo=demo)
            for a, b, what in PAIRS[1:]:
                text = reading(by, a, b, demo)
                if text:
                    out.append("")
                    out.append(f"{what} ({a} vs {b}): " + text)
        out.append("")
        out.append(f"per run ({scen}):")
        out.append(per_run(runs, scen))
    ovt = overhead_table(bout, metad)
    if ovt:
        out.append("")
        out.append("== overhead (what the series adds; test driver, patched kernel)")
        out.append(ovt[0])
        out.append(textwrap.fill(ovt[1] + ". The decision rows time nofs_sb_reclaim_allowed() over every mounted "
                   "superblock, as super_cache_scan() calls it; in a superblock scope each call is also counted "
                   "(and traced when the tracepoint is on). The sb rows do not depend on the switch except the "
                   "decision.", 110))
    text = "\n".join(out) + "\n"
    with open(os.path.join(bout, "results.txt"), "w") as f:
        f.write(text)
        if reading_text:
            f.write("\nreading (generated from the numbers above):\n" + reading_text + "\n")
    write_cover_table(os.path.join(bout, "cover-table.txt"), scen_ok, metad, ovt)
    png = plot(bout, scen_ok)
    if demo:
        confs, by, rows = summary(runs, "memcg")
        pick = {"runs", "runs with an OOM kill", "workload completed", "time, completed runs (s) median [min-max]",
                "memcg reclaim: calls, all runs (median)", "memcg reclaim: calls that freed nothing (median)",
                "memcg reclaim: time in calls that freed nothing, ms (median)",
                "memcg reclaim: p50 latency us, calls that freed", "memcg reclaim: p99 latency us, calls that freed",
                "memcg reclaim: total time ms, completed runs", "slabs_scanned (median)",
                "P cache objects freed (median)", "nofs_sb_allowed (median)", "nofs_sb_denied_disabled (median)",
                "nofs_sb_freed (median)"}
        print()
        print(f"=== demo: memcg squeeze, vm.nofs_sb_reclaim off | on ({metad.get('patched_tree', '')})")
        print(f"    {metad.get('memcg', '')}; {metad.get('fsmark', '')}")
        print(table(confs, [r for r in rows if r[0] in pick]))
        print()
        print(reading_text)
    else:
        print(text, end="")
        if reading_text:
            print("\nreading (generated from the numbers above):\n" + reading_text)
    print(f"(results: {os.path.join(bout, 'results.txt')}, plot: {png}, serial logs: {os.path.join(bout, 'logs')})")


if __name__ == "__main__":
    main(sys.argv)
