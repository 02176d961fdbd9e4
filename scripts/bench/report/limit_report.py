"""The report of scripts/bench/bench-limit.sh: the smallest memory.max each
workload survives per configuration, the reclaim stalls and the
workload's per-operation latency at the smallest limit every
configuration survives, every boot, and a plot.

    limit_report.py RECORDS META LOGS NEED [PNG]
    limit_report.py --demo RECORDS META LOGS

RECORDS holds one line per boot (work=, config=, limit_mib=, run=,
completed=, reason=, time_ms=) and one "result work= config=
smallest_mib=" line per bisection; META the run's parameters; LOGS the
serial logs (WORK-CONFIG-LIMITM-RUN.log, ':' in WORK as '-'); NEED the
completions out of the boots at a limit that make it pass.  The tables go
to stdout, the plot (gnuplot) to PNG when given.
"""

import os
import statistics
import sys

from common import gnuplot, kv, read_text


def load(records):
    """(res, boots): res[(work, config)] = smallest passing MiB (a string,
    "n/a" when none passed), boots[(work, config)] = the boots' dicts."""
    res, boots = {}, {}
    for line in read_text(records).splitlines():
        f = line.split()
        if not f:
            continue
        d = kv(f[1:]) if f[0] == "result" else kv(f)
        key = (d["work"], d["config"])
        if f[0] == "result":
            res[key] = d["smallest_mib"]
        else:
            boots.setdefault(key, []).append(d)
    return res, boots


def order(res, boots):
    """The workloads and configurations, in the order first recorded."""
    keys = list(res) + list(boots)
    return list(dict.fromkeys(k[0] for k in keys)), list(dict.fromkeys(k[1] for k in keys))


def ratio(res, w):
    on, off = res.get((w, "on"), ""), res.get((w, "off"), "")
    return f"{int(on) / int(off):.2f}" if on.isdigit() and off.isdigit() else "n/a"


def limit_table(res, boots, works, configs):
    out = [f"{'workload':<16}" + "".join(f"{c:>12}" for c in configs) + f"{'on/off':>9}{'boots':>7}"]
    for w in works:
        row = f"{w:<16}"
        for c in configs:
            row += f"{res.get((w, c), 'n/a'):>12}"
        row += f"{ratio(res, w):>9}{sum(len(boots.get((w, c), [])) for c in configs):>7}"
        out.append(row)
    return out


def common_limit(boots, w, configs, need):
    """The smallest limit at which every configuration completed the
    workload in at least NEED boots, or None."""
    passed = [set(int(b["limit_mib"]) for b in boots.get((w, c), []) if b["completed"] == "yes")
              for c in configs]
    if not passed:
        return None
    for lim in sorted(set.intersection(*passed)):
        if all(sum(1 for b in boots.get((w, c), []) if int(b["limit_mib"]) == lim and b["completed"] == "yes")
               >= need for c in configs):
            return lim
    return None


def lat(path):
    """The "BENCH lat kind=KIND ..." lines of a serial log, by kind (the
    guest's per-call reclaim statistics), its "BENCH op kind=WORK ..."
    line as kind "op" (the workload's own per-operation latency, where it
    measures one) and its "BENCH vmstat ..." line (counter deltas over the
    workload) as kind "vmstat"; {} without a log."""
    out = {}
    try:
        lines = read_text(path, errors="replace").splitlines()
    except OSError:
        return out
    for line in lines:
        f = line.strip().replace("\r", "").split()
        if len(f) < 2 or f[0] != "BENCH" or f[1] not in ("lat", "op", "vmstat"):
            continue
        d = kv(f[2:])
        out[d.get("kind") if f[1] == "lat" else f[1]] = d
    return out


def stall_rows(boots, works, configs, logs, need):
    """Reclaim stalls at one limit per workload, the smallest at which every
    configuration completed in NEED boots (so that all ran the whole
    workload): per configuration, the medians over its completed boots of
    each boot's count and p50/p99/max (ms) of the calls that freed
    something, memcg reclaim and reclaim begun in a superblock scope."""
    rows = []
    for w in works:
        lim = common_limit(boots, w, configs, need)
        if lim is None:
            continue
        for c in configs:
            bs = [b for b in boots.get((w, c), []) if int(b["limit_mib"]) == lim and b["completed"] == "yes"]
            ls = [lat(os.path.join(logs, f"{w.replace(':', '-')}-{c}-{lim}M-{b['run']}.log")) for b in bs]

            def med(kind, key):
                v = [float(x[kind][key]) / 1000 for x in ls if kind in x and x[kind].get(key, "n/a") not in ("n/a", "")]
                return f"{statistics.median(v):.0f}" if v else "n/a"

            def cnt(kind, key):
                v = [int(x[kind][key]) for x in ls if kind in x and x[kind].get(key, "").isdigit()]
                return f"{statistics.median(v):.0f}" if v else "n/a"
            def opms(key):
                v = [float(x["op"][key]) / 1000 for x in ls if "op" in x and x["op"].get(key, "").isdigit()]
                return f"{statistics.median(v):.1f}" if v else "n/a"
            tms = [int(b["time_ms"]) for b in bs if b["time_ms"].isdigit()]
            rows.append((w, lim, c, len(bs), cnt("memcg", "n_freed"), med("memcg", "p50_us"), med("memcg", "p99_us"),
                         med("memcg", "max_us"), cnt("scoped", "n_freed"), med("scoped", "p99_us"),
                         med("scoped", "max_us"), f"{statistics.median(tms) / 1000:.1f}" if tms else "n/a",
                         opms("op_p50_us"), opms("op_p99_us"), opms("op_max_us")))
    return rows


def stall_table(rows):
    out = ["reclaim stalls at the smallest limit every configuration survives: medians over its completed boots",
           "of each boot's p50/p99/max (ms, TCG, trace clock in 4 ms steps) of the reclaim calls that freed something;",
           "memcg: all memcg reclaim calls; scoped: those begun in a superblock NOFS scope (n/a: none, or no series)"]
    hdr = ("workload", "MiB", "config", "boots", "memcg_n", "p50", "p99", "max", "scoped_n", "p99", "max", "time_s")
    out.append(f"{hdr[0]:<16}{hdr[1]:>4} {hdr[2]:<10}" + "".join(f"{h:>9}" for h in hdr[3:]))
    for r in rows:
        out.append(f"{r[0]:<16}{r[1]:>4} {r[2]:<10}" + "".join(f"{x:>9}" for x in r[3:12]))
    return out


def op_table(rows):
    """The workload's per-operation latency at the same limit, for the
    workloads that time their operations (gitmix: a file's rewrite); []
    when none did."""
    timed = {r[0] for r in rows if any(x != "n/a" for x in r[12:15])}
    rows = [r for r in rows if r[0] in timed]
    if not rows:
        return []
    out = ["per-operation latency of the workload at that limit: medians over the completed boots of each",
           "boot's p50/p99/max (ms; the guest's TSC on one CPU, calibrated against CLOCK_MONOTONIC over the run)",
           "of one operation (gitmix: a file's rewrite, open to rename); tar and rm do not time their operations"]
    hdr = ("workload", "MiB", "config", "boots", "op_p50", "op_p99", "op_max")
    out.append(f"{hdr[0]:<16}{hdr[1]:>4} {hdr[2]:<10}" + "".join(f"{h:>9}" for h in hdr[3:]))
    for r in rows:
        out.append(f"{r[0]:<16}{r[1]:>4} {r[2]:<10}{r[3]:>9}" + "".join(f"{x:>9}" for x in r[12:15]))
    return out


WORK_TEXT = {"untar": "tar -xf of {files} kernel source files into {fs}", "rm": "rm -rf of {files} kernel source files on {fs}",
             "gitmix": "a git-checkout-like rewrite of {files} kernel source files on {fs}"}


def demo(records, meta, logs):
    """make demo's part: one workload at one limit, off and on, a few boots
    each; a side-by-side table and a reading generated from the numbers.
    Returns the lines."""
    _, boots = load(records)
    works, configs = order({}, boots)
    w = works[0]
    metad = dict(l.split("=", 1) for l in read_text(meta).splitlines() if "=" in l)
    lims = sorted({b["limit_mib"] for c in configs for b in boots.get((w, c), [])})
    lim = lims[0] if len(lims) == 1 else "/".join(lims)
    files = metad.get("archive", "").split("first ")[-1].split(" files")[0] or "the"
    kind, fs = w.split(":")[0].split("-")
    what = WORK_TEXT[kind].format(files=files, fs=fs.upper() if fs == "xfs" else fs)
    if ":" in w:
        what += {"ext4p": ", the cache P on ext4", "scsi": ", both disks on virtio-scsi"}[w.split(":")[1]]
    col = {}
    for c in configs:
        bs = boots.get((w, c), [])
        ls = [lat(os.path.join(logs, f"{w.replace(':', '-')}-{c}-{b['limit_mib']}M-{b['run']}.log")) for b in bs]
        ok = [l for b, l in zip(bs, ls) if b["completed"] == "yes"]

        def m(src, kind, key, scale=1.0):
            v = [float(x[kind][key]) * scale for x in src
                 if kind in x and x[kind].get(key, "").replace(".", "", 1).isdigit()]
            return statistics.median(v) if v else None
        tms = [int(b["time_ms"]) / 1000 for b in bs if b["completed"] == "yes" and b["time_ms"].isdigit()]
        col[c] = {"n": len(bs), "done": len(ok),
                  "oom": sum(1 for b in bs if b["reason"] == "oom"),
                  "time": statistics.median(tms) if tms else None,
                  "memcg_n": m(ls, "memcg", "n_freed"), "memcg_p99": m(ok, "memcg", "p99_us", 1e-3),
                  "scoped_n": m(ls, "scoped", "n_freed"), "scoped_p99": m(ok, "scoped", "p99_us", 1e-3),
                  "allowed": m(ls, "vmstat", "nofs_sb_allowed"), "freed": m(ls, "vmstat", "nofs_sb_freed"),
                  "op_p99": m(ok, "op", "op_p99_us", 1e-3)}

    def f(x, d=0):
        return "n/a" if x is None else f"{x:.{d}f}"
    rows = [("completed", lambda v: f"{v['done']}/{v['n']}"), ("OOM-killed", lambda v: f"{v['oom']}/{v['n']}"),
            ("time of a completed run (s)", lambda v: f(v["time"], 1)),
            ("memcg reclaims that freed", lambda v: f(v["memcg_n"])),
            ("  their p99 (ms)", lambda v: f(v["memcg_p99"])),
            ("scoped decisions allowed", lambda v: f(v["allowed"])),
            ("objects freed through them", lambda v: f(v["freed"]))]
    if any(v["op_p99"] is not None for v in col.values()):
        rows.append(("per-operation p99 (ms)", lambda v: f(v["op_p99"], 1)))
    out = [f"=== demo: {what}, memory.max {lim} MiB, vm.nofs_sb_reclaim " + " | ".join(configs),
           f"(medians over each configuration's boots; p99 and time over the completed ones; {metad.get('rule', '')})",
           f"{'':<30}" + "".join(f"{c:>10}" for c in configs)]
    for label, fn in rows:
        out.append(f"{label:<30}" + "".join(f"{fn(col[c]):>10}" for c in configs))
    a, b = col.get("off"), col.get("on")
    if a and b:
        s = [f"{what[0].upper() + what[1:]} in a cgroup limited to {lim} MiB that also holds the cache of "
             f"filesystem P completed in {a['done']} of {a['n']} boots with the switch off and {b['done']} of "
             f"{b['n']} with it on."]
        if b["allowed"]:
            s.append(f"With it on, reclaim from the workload's transactions was allowed into P {f(b['allowed'])} "
                     f"times (median) and freed {f(b['freed'])} objects there.")
        else:
            s.append("With it on, reclaim from the workload's transactions was never allowed into another "
                     "filesystem: this workload's memory came from reclaim outside its transactions.")
        if a["time"] is not None and b["time"] is not None:
            s.append(f"A completed run took {f(a['time'], 1)} s off and {f(b['time'], 1)} s on; the memcg reclaim "
                     f"calls that freed something had a p99 of {f(a['memcg_p99'])} and {f(b['memcg_p99'])} ms "
                     "(TCG, trace clock in 4 ms steps)"
                     + ("." if a["op_p99"] is None or b["op_p99"] is None else
                        f", and one operation of the workload a p99 of {f(a['op_p99'], 1)} and "
                        f"{f(b['op_p99'], 1)} ms."))
        if b["done"] > a["done"]:
            s.append("The switch let more boots complete, in this small sample.")
        elif b["done"] < a["done"]:
            s.append("Fewer boots completed with the switch on, in this small sample.")
        else:
            s.append("The switch changed no verdict here.")
        s.append(f"{a['n'] + b['n']} boots under QEMU TCG; `make bench-limit` finds each configuration's smallest "
                 "surviving limit by bisection, 5 boots a limit, with the unpatched kernel beside.")
        out += ["", "reading (generated from the numbers above):", " ".join(s)]
    return out


def plotted(v):
    """A result as a bar: "N" and "<=N" (passed at the lowest limit probed)
    are N; ">N" (no probed limit passed) and "n/a" are 0."""
    v = v[2:] if v.startswith("<=") else v
    return v if v.isdigit() else "0"


def plot(png, res, works, configs, rule):
    """Bars: the smallest limit per workload, one bar per configuration (0
    where no probed limit passed); its data next to the png."""
    dat = os.path.splitext(png)[0] + ".dat"
    with open(dat, "w") as f:
        f.write("# workload " + " ".join(configs) + "\n")
        for w in works:
            f.write(w + " " + " ".join(plotted(res.get((w, c), "")) for c in configs) + "\n")
    gp = [f"set terminal pngcairo size {max(640, 160 * len(works))},480 font ',9'", f"set output '{png}'",
          "set style data histograms", "set style histogram clustered gap 1", "set style fill solid 0.8 border -1",
          "set key top left", "set grid ytics", "set yrange [0:*]", "set ylabel 'memory.max (MiB)'",
          "set title \"smallest memory.max a workload completes in (0: no probed limit passed)\\n"
          + rule.replace('"', "'") + '" noenhanced']
    cols = ", ".join(f"'{dat}' using {i + 2}{':xtic(1)' if i == 0 else ''} title '{c}'"
                     for i, c in enumerate(configs))
    gp += ["plot " + cols]
    return gnuplot(gp, "bench-limit")


def main(argv):
    if len(argv) > 1 and argv[1] == "--demo":
        print("\n".join(demo(argv[2], argv[3], argv[4])))
        return
    records, meta, logs, need = argv[1], argv[2], argv[3], int(argv[4])
    png = argv[5] if len(argv) > 5 else None
    res, boots = load(records)
    works, configs = order(res, boots)
    metatext = read_text(meta).rstrip()
    print("== smallest memory.max (MiB) the workload completes in, by bisection")
    print(metatext)
    print()
    print("\n".join(limit_table(res, boots, works, configs)))
    rows = stall_rows(boots, works, configs, logs, need)
    if rows:
        print()
        print("\n".join(stall_table(rows)))
        ops = op_table(rows)
        if ops:
            print()
            print("\n".join(ops))
    print()
    print("boots: work config limit_mib run completed reason time_ms")
    for (w, c), bs in boots.items():
        for b in bs:
            print(f"  {w} {c} {b['limit_mib']} {b['run']} {b['completed']} {b['reason']} {b['time_ms']}")
    if png:
        rule = dict(l.split("=", 1) for l in metatext.splitlines() if "=" in l).get("rule", "")
        plot(png, res, works, configs, rule)


if __name__ == "__main__":
    main(sys.argv)
