"""Unit tests of the benchmark reports, on records made up here: the
numbers the reports compute and the verdicts they print.  Run by
make check (stage report): python3 -m unittest discover -s scripts/bench/report
"""

import io
import os
import tempfile
import unittest
from contextlib import redirect_stdout, redirect_stderr

import bench_report as br
import common
import limit_report as lr


def run(scen, config, n, **kv):
    d = {"scenario": scen, "config": config, "run": str(n), "qemu": "ok"}
    d.update({k.replace("__", "."): str(v) for k, v in kv.items()})
    return d


class Common(unittest.TestCase):
    def test_fmt(self):
        self.assertEqual(common.fmt(None), "n/a")
        self.assertEqual(common.fmt(3.0), "3")
        self.assertEqual(common.fmt(2.345), "2.35")
        self.assertEqual(common.fmt(123.4, " ms"), "123 ms")

    def test_vals_skip_missing_and_incomplete(self):
        rs = [{"a": "1", "result.completed": "yes"}, {"a": "n/a"}, {"a": "5", "result.completed": "no"}, {}]
        self.assertEqual(common.vals(rs, "a"), [1.0, 5.0])
        self.assertEqual(common.vals(rs, "a", only_completed=True), [1.0])

    def test_medrange(self):
        rs = [{"x": "10"}, {"x": "30"}, {"x": "20"}, {}]
        self.assertEqual(common.medrange(rs, "x"), "20 [10-30]")
        self.assertEqual(common.medrange(rs, "x", runs=True), "20 [10-30] (3/4 runs)")
        self.assertEqual(common.medrange(rs[:1], "x", scale=0.5), "5")
        self.assertEqual(common.medrange([{}], "x"), "n/a")

    def test_table_aligns_columns(self):
        t = common.table(["off", "on"], [["a metric", "1", "200"], ["b", "30", "4"]]).splitlines()
        self.assertEqual(len({len(line) for line in t}), 1)
        self.assertTrue(t[2].startswith("a metric") and t[2].endswith("200"))


class Verdict(unittest.TestCase):
    def test_fewer_oom_kills_is_better(self):
        off = [run("memcg", "off", i, result__oom_kill=1) for i in range(5)]
        on = [run("memcg", "on", i, result__oom_kill=0) for i in range(5)]
        v = br.verdict(off, on)
        self.assertIn("on is better on runs with an OOM kill", v)
        self.assertNotIn("worse on runs with an OOM kill", v)

    def test_overlapping_ranges_are_within_the_spread(self):
        off = [run("memcg", "off", i, lat__memcg__n=x) for i, x in enumerate((10, 20, 30))]
        on = [run("memcg", "on", i, lat__memcg__n=x) for i, x in enumerate((25, 26, 27))]
        v = br.verdict(off, on)
        self.assertIn("different within the spread of runs on memcg reclaim calls", v)

    def test_disjoint_ranges_decide(self):
        off = [run("memcg", "off", i, lat__memcg__n=x) for i, x in enumerate((10, 11, 12))]
        on = [run("memcg", "on", i, lat__memcg__n=x) for i, x in enumerate((20, 21, 22))]
        v = br.verdict(off, on)
        self.assertRegex(v, r"worse on [^.]*memcg reclaim calls")

    def test_one_run_on_a_side_is_too_few(self):
        off = [run("memcg", "off", 0, lat__memcg__n=10)]
        on = [run("memcg", "on", i, lat__memcg__n=x) for i, x in enumerate((20, 21))]
        self.assertRegex(br.verdict(off, on), r"Too few runs to compare[^.]*memcg reclaim calls")


class Summary(unittest.TestCase):
    def test_counts_and_freed(self):
        runs = [run("memcg", "off", 1, result__oom_kill=2, result__completed="no", cache__p_objects=100,
                    memcg__p_objects=40),
                run("memcg", "off", 2, result__oom_kill=0, result__completed="yes", cache__p_objects=100,
                    memcg__p_objects=90),
                run("memcg", "on", 1, result__oom_kill=0, result__completed="yes"),
                run("global", "on", 1)]
        confs, by, rows = br.summary(runs, "memcg")
        self.assertEqual(confs, ["off", "on"])
        row = {r[0]: r[1:] for r in rows}
        self.assertEqual(row["runs"], ["2", "1"])
        self.assertEqual(row["runs with an OOM kill"], ["1/2", "0/1"])
        self.assertEqual(row["workload completed"], ["1/2", "1/1"])
        self.assertEqual(row["P cache objects freed (median)"], ["35", "n/a"])

    def test_reading_says_when_p_cache_grew(self):
        by = {"off": [run("memcg", "off", 1, cache__p_objects=100, memcg__p_objects=40)],
              "on": [run("memcg", "on", 1, cache__p_objects=100, memcg__p_objects=130)]}
        text = br.reading(by)
        self.assertIn("P's cache lost 60 objects off and grew by 30 objects on", text)

    def test_problem_line_says_when_off_was_not_killed(self):
        by = {"off": [run("memcg", "off", 1, result__oom_kill=0)]}
        self.assertIn("did NOT show", br.problem_line("memcg", by))
        by = {"off": [run("memcg", "off", 1, result__oom_kill=1)]}
        self.assertIn("OOM kills in 1/1 runs", br.problem_line("memcg", by))


class BenchMain(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        os.mkdir(os.path.join(d, "logs"))
        lines = []
        for c, oom in (("off", 1), ("on", 0)):
            for i in (1, 2, 3):
                lines.append(f"scenario=memcg config={c} run={i} qemu=ok result.oom_kill={oom} "
                             f"result.completed={'no' if oom else 'yes'} lat.memcg.n={10 * i} "
                             f"vmstat.nofs_sb_allowed={5 if c == 'on' else 0}")
        # a run whose guest failed before the workload: a setup failure
        lines.append("scenario=memcg config=on run=4 qemu=fail")
        with open(os.path.join(d, "logs", "memcg-on-4.log"), "w") as f:
            f.write("BENCH-GUEST: FAIL: fill of P OOM-killed\n")
        with open(os.path.join(d, "runs.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(d, "meta.txt"), "w") as f:
            f.write("runs=3 configs=off on\nmemcg=test\n")

    def tearDown(self):
        self.dir.cleanup()

    def main(self, demo):
        d = self.dir.name
        os.environ["BENCH_DEMO"] = "1" if demo else "0"
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(io.StringIO()):
            br.main(["bench_report.py", os.path.join(d, "runs.txt"), os.path.join(d, "meta.txt"), d])
        return out.getvalue()

    def test_results_and_cover_table(self):
        out = self.main(False)
        d = self.dir.name
        res = common.read_text(os.path.join(d, "results.txt"))
        self.assertIn("== memcg squeeze", res)
        self.assertIn("runs whose setup failed (no workload run)", res)
        self.assertRegex(res, r"runs whose setup failed \(no workload run\) +0/3 +1/4")
        self.assertIn("With the switch off, the workload was OOM-killed in 3 of 3 run(s)", res)
        self.assertIn("workload completed", common.read_text(os.path.join(d, "cover-table.txt")))
        self.assertIn("plot.dat", os.listdir(d))
        self.assertIn("reading (generated from the numbers above)", out)

    def test_demo_prints_the_side_by_side_table(self):
        out = self.main(True)
        self.assertIn("=== demo: memcg squeeze, vm.nofs_sb_reclaim off | on", out)
        self.assertIn("`make bench` repeats", out)


class Limit(unittest.TestCase):
    def boots(self, spec):
        """spec: {(work, config): {limit: completions of 5}}"""
        boots = {}
        for key, lims in spec.items():
            for lim, ok in lims.items():
                for r in range(5):
                    boots.setdefault(key, []).append({"limit_mib": str(lim), "run": str(r),
                                                      "completed": "yes" if r < ok else "no",
                                                      "reason": "ok", "time_ms": "1000"})
        return boots

    def test_common_limit_needs_every_configuration(self):
        b = self.boots({("w", "off"): {16: 3, 20: 4, 24: 5}, ("w", "on"): {16: 5, 20: 3, 24: 4}})
        self.assertEqual(lr.common_limit(b, "w", ["off", "on"], 4), 24)
        self.assertEqual(lr.common_limit(b, "w", ["off", "on"], 3), 16)
        self.assertIsNone(lr.common_limit(b, "w", ["off", "on"], 5))

    def test_ratio(self):
        res = {("w", "on"): "20", ("w", "off"): "25", ("x", "on"): "n/a", ("x", "off"): "25"}
        self.assertEqual(lr.ratio(res, "w"), "0.80")
        self.assertEqual(lr.ratio(res, "x"), "n/a")

    def test_plotted_bars(self):
        self.assertEqual([lr.plotted(v) for v in ("24", "<=16", ">128", "n/a", "")],
                         ["24", "16", "0", "0", "0"])

    @staticmethod
    def lat_of(text):
        """lr.lat() of a serial log holding text"""
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(text)
        try:
            return lr.lat(f.name)
        finally:
            os.unlink(f.name)

    def test_lat_reads_serial_logs(self):
        got = self.lat_of("noise\r\nBENCH lat kind=memcg n_freed=7 p99_us=16000\r\nBENCH lat kind=scoped p99_us=n/a\n")
        self.assertEqual(got["memcg"]["p99_us"], "16000")
        self.assertEqual(got["scoped"]["p99_us"], "n/a")
        self.assertNotIn("op", got)
        self.assertEqual(lr.lat("/nonexistent"), {})

    def test_lat_reads_the_workloads_op_line(self):
        got = self.lat_of("BENCH op kind=gitmix files=9 op_p99_us=2500\r\nBENCH opx kind=memcg p99_us=1\n")
        self.assertEqual(got, {"op": {"kind": "gitmix", "files": "9", "op_p99_us": "2500"}})

    def test_main_tables_and_plot_data(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "logs"))
            with open(os.path.join(d, "boots.txt"), "w") as f:
                for c, lim in (("off", 24), ("on", 20)):
                    for l in (20, 24):
                        for r in range(5):
                            ok = l >= lim
                            f.write(f"work=untar-xfs config={c} limit_mib={l} run={r} "
                                    f"completed={'yes' if ok else 'no'} reason=ok time_ms=2000\n")
                            if ok:
                                with open(os.path.join(d, "logs", f"untar-xfs-{c}-{l}M-{r}.log"), "w") as g:
                                    g.write(f"BENCH lat kind=memcg n_freed=3 p50_us={1000 * (r + 1)} "
                                            "p99_us=8000 max_us=9000\n")
                                    if c == "on":
                                        g.write(f"BENCH op kind=gitmix op_p50_us=500 op_p99_us={2000 * (r + 1)} "
                                                "op_max_us=30000\n")
                    f.write(f"result work=untar-xfs config={c} smallest_mib={lim}\n")
            with open(os.path.join(d, "meta.txt"), "w") as f:
                f.write("rule=completes in at least 4 of 5 boots\n")
            out = io.StringIO()
            png = os.path.join(d, "limits.png")
            with redirect_stdout(out), redirect_stderr(io.StringIO()):
                lr.main(["limit_report.py", os.path.join(d, "boots.txt"), os.path.join(d, "meta.txt"),
                         os.path.join(d, "logs"), "4", png])
            text = out.getvalue()
            self.assertRegex(text, r"untar-xfs +24 +20 +0\.83 +20")
            # stalls at 24 MiB, the smallest both passed: p50 median of 1..5 ms
            self.assertRegex(text, r"untar-xfs +24 off +5 +3 +3 +8 +9 +n/a")
            # the per-operation table: p99 median of 2..10 ms; off measured none
            self.assertRegex(text, r"untar-xfs +24 on +5 +0\.5 +6\.0 +30\.0\n")
            self.assertRegex(text, r"untar-xfs +24 off +5 +n/a +n/a +n/a\n")
            self.assertEqual(common.read_text(os.path.join(d, "limits.dat")).splitlines()[1], "untar-xfs 24 20")

    def test_demo_table_and_reading(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "logs"))
            with open(os.path.join(d, "boots.txt"), "w") as f:
                for c in ("off", "on"):
                    for r in (1, 2):
                        ok = c == "on" or r == 1
                        f.write(f"work=gitmix-xfs config={c} limit_mib=40 run={r} completed={'yes' if ok else 'no'} "
                                f"reason={'ok' if ok else 'oom'} time_ms={10000 * r}\n")
                        with open(os.path.join(d, "logs", f"gitmix-xfs-{c}-40M-{r}.log"), "w") as g:
                            g.write(f"BENCH vmstat nofs_sb_allowed={0 if c == 'off' else 10 * r} nofs_sb_freed=99\r\n")
                            if ok:
                                g.write(f"BENCH lat kind=memcg n_freed=4 p99_us={8000 * r}\n"
                                        f"BENCH op kind=gitmix op_p99_us={1500 * r}\n")
            with open(os.path.join(d, "meta.txt"), "w") as f:
                f.write("archive=linux-20000.tar: first 20000 files of x.tar.xz (99 MiB)\nrule=demo: 2 boots\n")
            out = io.StringIO()
            with redirect_stdout(out):
                lr.main(["limit_report.py", "--demo", os.path.join(d, "boots.txt"), os.path.join(d, "meta.txt"),
                         os.path.join(d, "logs")])
            text = out.getvalue()
        self.assertIn("=== demo: a git-checkout-like rewrite of 20000 kernel source files on XFS, memory.max 40 MiB", text)
        self.assertRegex(text, r"completed +1/2 +2/2\n")
        self.assertRegex(text, r"OOM-killed +1/2 +0/2\n")
        # time and p99 over completed boots only: off has run 1, on runs 1 and 2
        self.assertRegex(text, r"time of a completed run \(s\) +10\.0 +15\.0\n")
        self.assertRegex(text, r"their p99 \(ms\) +8 +12\n")
        self.assertRegex(text, r"scoped decisions allowed +0 +15\n")
        self.assertRegex(text, r"per-operation p99 \(ms\) +1\.5 +2\.2\n")
        self.assertIn("completed in 1 of 2 boots with the switch off and 2 of 2 with it on", text)
        self.assertIn("allowed into P 15 times", text)
        self.assertIn("The switch let more boots complete", text)


if __name__ == "__main__":
    unittest.main()
