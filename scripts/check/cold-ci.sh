#!/usr/bin/env bash
# cold-ci.sh [DIR]: time .ci/run as a machine without caches would: a fresh
# clone of this repository's HEAD in DIR (default /tmp/sbnofs-cold), with
# an empty ccache and an empty coccicheck cache (CCACHE_DIR and
# XDG_CACHE_HOME pointed at empty directories beside it).  Packages are the
# machine's; deps.sh installs what is missing.  Output: .ci/run's, then
# the wall time and the exit status.
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
t0=$(date +%s)
rc=0
.ci/run || rc=$?
echo "cold-ci: .ci/run exited $rc after $(($(date +%s) - t0)) s"
exit $rc
