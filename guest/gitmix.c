// SPDX-License-Identifier: GPL-2.0
/*
 * gitmix DIR: rewrite every regular file under DIR the way a git checkout
 * writes a changed file: create NAME.gitmix with the same content, then
 * rename it over NAME (a create, a rename and the old inode's unlink in
 * the filesystem's transactions).  Built static into the guest image by
 * scripts/boot/mk-initramfs.sh; run by guest/bench.sh (work=gitmix).
 *
 * Each file's rewrite (open to rename) is timed: the workload's
 * per-operation latency.  The test guest's clocksource under TCG is
 * jiffies (its TSCs fail the kernel's synchronisation check), so
 * CLOCK_MONOTONIC moves in 4 ms steps; on x86 the rewrites are timed with
 * the TSC instead, on one CPU (the process pins itself to the CPU it
 * starts on), and the TSC is calibrated against CLOCK_MONOTONIC over the
 * whole run.  Prints "gitmix files=N bytes=B clock=tsc|monotonic
 * op_p50_us=P op_p99_us=Q op_max_us=M" and exits 0, or names the failing
 * call and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];
static unsigned long files;
static unsigned long long bytes;
static unsigned long long *lat;	/* per rewritten file, in ticks */
static size_t lat_cap;

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#ifdef __x86_64__
#include <x86intrin.h>
static const char clock_name[] = "tsc";
static unsigned long long ticks(void)
{
	return __rdtsc();
}
#else
static const char clock_name[] = "monotonic";
static unsigned long long ticks(void)
{
	return mono_ns();
}
#endif

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of the sorted latencies, PCT in 1..100 */
static unsigned long long pct(unsigned int p)
{
	size_t rank = (files * p + 99) / 100;

	return lat[rank ? rank - 1 : 0];
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "gitmix: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static int rewrite(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	char tmp[4096];
	unsigned long long t0;
	int in, out;
	ssize_t n;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.gitmix", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return fail("name", path);
	}
	if (files == lat_cap) {
		void *p;

		lat_cap = lat_cap ? 2 * lat_cap : 4096;
		p = realloc(lat, lat_cap * sizeof(*lat));
		if (!p)
			return fail("realloc", path);
		lat = p;
	}
	t0 = ticks();
	in = open(path, O_RDONLY);
	if (in < 0)
		return fail("open", path);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return fail("create", tmp);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			close(in);
			close(out);
			return fail("write", tmp);
		}
		bytes += n;
	}
	close(in);
	if (n < 0) {
		close(out);
		return fail("read", path);
	}
	if (close(out))
		return fail("close", tmp);
	if (rename(tmp, path))
		return fail("rename", tmp);
	lat[files++] = ticks() - t0;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long m0, m1, k0, k1;
	double us_per_tick;
	cpu_set_t cpus;

	if (argc != 2) {
		fprintf(stderr, "usage: gitmix DIR\n");
		return 2;
	}

	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		perror("gitmix: sched_setaffinity");
		return 1;
	}
	m0 = mono_ns();
	k0 = ticks();
	if (nftw(argv[1], rewrite, 64, FTW_PHYS))
		return 1;
	m1 = mono_ns();
	k1 = ticks();
	if (!files) {
		fprintf(stderr, "gitmix: no regular file under %s\n", argv[1]);
		return 1;
	}
	if (k1 <= k0 || m1 <= m0) {
		fprintf(stderr, "gitmix: the clocks did not advance\n");
		return 1;
	}
	us_per_tick = (m1 - m0) / 1000.0 / (k1 - k0);
	qsort(lat, files, sizeof(*lat), cmp_ull);
	printf("gitmix files=%lu bytes=%llu clock=%s op_p50_us=%.0f op_p99_us=%.0f op_max_us=%.0f\n",
	       files, bytes, clock_name, pct(50) * us_per_tick, pct(99) * us_per_tick,
	       lat[files - 1] * us_per_tick);
	return 0;
}
