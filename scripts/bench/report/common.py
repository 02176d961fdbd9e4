"""Helpers shared by the benchmark reports (bench_report.py for
scripts/bench/bench.sh, limit_report.py for scripts/bench/bench-limit.sh): records of
key=value tokens, medians over runs, fixed-width tables, gnuplot."""

import statistics
import subprocess
import sys


def kv(tokens):
    """The key=value tokens of a sequence of strings, as a dict."""
    return dict(t.split("=", 1) for t in tokens if "=" in t)


def read_records(path):
    """One dict per non-empty line of key=value tokens."""
    out = []
    with open(path) as f:
        for line in f:
            d = kv(line.split())
            if d:
                out.append(d)
    return out


def read_text(path, errors=None):
    with open(path, errors=errors) as f:
        return f.read()


def num(v):
    """v as a float, None when it is missing or not a number ("n/a")."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def vals(rs, key, only_completed=False):
    """The numeric values of key over the runs rs (optionally only those
    whose workload completed); runs without one are left out."""
    out = []
    for r in rs:
        if only_completed and r.get("result.completed") != "yes":
            continue
        x = num(r.get(key))
        if x is not None:
            out.append(x)
    return out


def fmt(x, unit=""):
    if x is None:
        return "n/a"
    if abs(x) >= 100 or x == int(x):
        return f"{x:.0f}{unit}"
    return f"{x:.2f}{unit}"


def med(rs, key, only_completed=False, unit=""):
    v = vals(rs, key, only_completed)
    if not v:
        return "n/a"
    return fmt(statistics.median(v), unit)


def medrange(rs, key, only_completed=False, scale=1.0, unit="", runs=False):
    """median [min-max]; with runs, "(k/n runs)" when only k of the n runs
    have a value"""
    v = [x * scale for x in vals(rs, key, only_completed)]
    if not v:
        return "n/a"
    k = f" ({len(v)}/{len(rs)} runs)" if runs and len(v) < len(rs) else ""
    if len(v) == 1:
        return fmt(v[0], unit) + k
    return f"{fmt(statistics.median(v), unit)} [{fmt(min(v))}-{fmt(max(v))}]{k}"


def table(confs, rows):
    """A text table: a metric column, then one right-aligned column per
    configuration."""
    head = ["metric"] + confs
    w = [max(len(str(x[i])) for x in [head] + rows) for i in range(len(head))]
    sep = "  "
    out = [sep.join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(head))]
    out.append(sep.join("-" * x for x in w))
    for r in rows:
        out.append(sep.join(str(v).ljust(w[i]) if i == 0 else str(v).rjust(w[i]) for i, v in enumerate(r)))
    return "\n".join(out)


def gnuplot(commands, prog):
    """Run gnuplot on the commands; a missing or failing gnuplot is a
    warning on stderr (the tables do not need it).  True if it worked."""
    try:
        r = subprocess.run(["gnuplot"], input="\n".join(commands), text=True, capture_output=True)
    except FileNotFoundError:
        print(f"{prog}: warning: gnuplot not installed (make deps), no plot", file=sys.stderr)
        return False
    if r.returncode != 0:
        err = r.stderr.strip().splitlines()
        print(f"{prog}: warning: gnuplot failed: " + (err[-1] if err else f"exit {r.returncode}"),
              file=sys.stderr)
        return False
    return True
