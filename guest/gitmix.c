// SPDX-License-Identifier: GPL-2.0
/*
 * gitmix DIR: rewrite every regular file under DIR the way a git checkout
 * writes a changed file: create NAME.gitmix with the same content, then
 * rename it over NAME (a create, a rename and the old inode's unlink in
 * the filesystem's transactions).  Built static into the guest image by
 * scripts/boot/mk-initramfs.sh; run by guest/bench.sh (work=gitmix).
 *
 * Prints "gitmix files=N bytes=B" and exits 0, or names the failing call
 * and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 16];
static unsigned long files;
static unsigned long long bytes;

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "gitmix: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static int rewrite(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	char tmp[4096];
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
	files++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gitmix DIR\n");
		return 2;
	}
	if (nftw(argv[1], rewrite, 64, FTW_PHYS))
		return 1;
	printf("gitmix files=%lu bytes=%llu\n", files, bytes);
	return 0;
}
