"""The report of scripts/bench/bench-limit.sh: the smallest memory.max each
workload survives per configuration, the reclaim stalls at the smallest
limit every configuration survives, every boot, and a plot.

    limit_report.py RECORDS META LOGS NEED [PNG]

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
    guest's per-call reclaim statistics); {} without a log."""
    out = {}
    try:
        lines = read_text(path, errors="replace").splitlines()
    except OSError:
        return out
    for line in lines:
        line = line.strip().replace("\r", "")
        if not line.startswith("BENCH lat "):
            continue
        d = kv(line.split()[2:])
        out[d.get("kind")] = d
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
            tms = [int(b["time_ms"]) for b in bs if b["time_ms"].isdigit()]
            rows.append((w, lim, c, len(bs), cnt("memcg", "n_freed"), med("memcg", "p50_us"), med("memcg", "p99_us"),
                         med("memcg", "max_us"), cnt("scoped", "n_freed"), med("scoped", "p99_us"),
                         med("scoped", "max_us"), f"{statistics.median(tms) / 1000:.1f}" if tms else "n/a"))
    return rows


def stall_table(rows):
    out = ["reclaim stalls at the smallest limit every configuration survives: medians over its completed boots",
           "of each boot's p50/p99/max (ms, TCG, trace clock in 4 ms steps) of the reclaim calls that freed something;",
           "memcg: all memcg reclaim calls; scoped: those begun in a superblock NOFS scope (n/a: none, or no series)"]
    hdr = ("workload", "MiB", "config", "boots", "memcg_n", "p50", "p99", "max", "scoped_n", "p99", "max", "time_s")
    out.append(f"{hdr[0]:<16}{hdr[1]:>4} {hdr[2]:<10}" + "".join(f"{h:>9}" for h in hdr[3:]))
    for r in rows:
        out.append(f"{r[0]:<16}{r[1]:>4} {r[2]:<10}" + "".join(f"{x:>9}" for x in r[3:]))
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
