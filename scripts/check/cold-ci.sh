#!/usr/bin/env bash
# cold-ci.sh [DIR]: time .ci/run as a machine without caches would: a fresh
# clone of this repository's HEAD in DIR (default /tmp/sbnofs-cold), with
# an empty ccache and an empty coccicheck cache (CCACHE_DIR and
# XDG_CACHE_HOME pointed at empty directories beside it).  Packages are the
# machine's; deps.sh installs what is missing.  Output: .ci/run's, then
# the wall time and the exit status, and, with process accounting
# (accton, from Debian's acct package; root), the CPU time of the run by
# command, the figure a 2-core budget is made of (the accounting is
# system-wide: run nothing else meanwhile), and the cores' busy share
# per 5 minutes, where they stood idle.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-/tmp/sbnofs-cold}
cache=$dir.cache
rm -rf "$dir" "$cache"
git clone -q "$top" "$dir" || { echo "cold-ci: error: git clone $top $dir failed" >&2; exit 1; }
mkdir -p "$cache/ccache" "$cache/xdg"
cd "$dir" || exit 1
export CCACHE_DIR=$cache/ccache XDG_CACHE_HOME=$cache/xdg
echo "cold-ci: $(git log -1 --format='%h %s') in $dir, start $(date -u '+%F %T UTC')"
acct=
if command -v accton >/dev/null && : >"$dir.pacct" && accton "$dir.pacct" >/dev/null; then
	acct=$dir.pacct
else
	echo "cold-ci: no process accounting (accton from the acct package, as root): no CPU breakdown"
fi
# the cores' use over time: /proc/stat's first line every 10 s
(while :; do echo "$(date +%s) $(head -n 1 /proc/stat)"; sleep 10; done) >"$dir.cpu" &
cpu_pid=$!
t0=$(date +%s)
rc=0
.ci/run || rc=$?
t=$(($(date +%s) - t0))
kill "$cpu_pid"
# busy share of both cores per 5 minutes (1 - idle and iowait over all)
echo "cold-ci: CPU busy per 5 minutes (%, both cores): $(awk '
	{ tot = 0; for (i = 3; i <= 10; i++) tot += $i; idle = $6 + $7 }
	NR == 1 { t0 = $1; pt = tot; pi = idle; next }
	{ w = int(($1 - t0) / 300); T[w] += tot - pt; I[w] += idle - pi; pt = tot; pi = idle; n = w }
	END { for (w = 0; w <= n; w++) printf "%s%d", w ? " " : "", T[w] ? 100 * (1 - I[w] / T[w]) : 0 }' "$dir.cpu")"
if [ -n "$acct" ]; then
	accton off >/dev/null
	# sa -a: one line per command name, CPU time in minutes ("cp");
	# the first line is the total
	echo "cold-ci: CPU time by command (sa -a $acct; minutes):"
	sa -a "$acct" | awk 'NR <= 13 { printf "  %-18s %8.1f\n", NR == 1 ? "(all)" : $NF, $3 }'
fi
echo "cold-ci: .ci/run exited $rc after $t s"
exit $rc
