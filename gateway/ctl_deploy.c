/*
 * gateway/ctl_deploy: "hashictl deploy swanctl [-o FILE] [--check FILE]". Writes the
 * swanctl.conf of gateway/swanctl to stdout or FILE (replaced atomically: charon may load
 * it at any time), or compares an installed file with what would be written now.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/str.h"
#include "gateway/config.h"
#include "gateway/ctl.h"
#include "gateway/swanctl.h"

#define DEPLOY_MAX_FILE	(1024 * 1024)	/* an installed swanctl.conf we are willing to read */

/* Writes TEXT to PATH through a temporary file in the same directory and rename(2), so a
 * reader sees the old file or the new one, never half of one. Returns 0 or -1. */
static int
deploy_write(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	int fd = -1, ret = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "hashictl: %s: path too long\n", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		fprintf(stderr, "hashictl: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	/* no secrets inside; charon's swanctl and operators must read it */
	if (fchmod(fd, 0644) == -1 || write(fd, text, len) != (ssize_t)len || fsync(fd) == -1 ||
	    close(fd) == -1) {
		fd = -1;
		fprintf(stderr, "hashictl: %s: %s\n", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "hashictl: %s: %s\n", path, strerror(errno));
		goto done;
	}
	ret = 0;
done:
	if (fd != -1)
		close(fd);
	if (ret == -1)
		unlink(tmp);
	return ret;
}

/* Reads PATH whole into SB. Returns 0, or -1 after printing why. */
static int
deploy_read(const char *path, struct strbuf *sb)
{
	char buf[8192];
	FILE *f;
	size_t n;
	int ret = -1;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "hashictl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb->sb_len + n > DEPLOY_MAX_FILE) {
			fprintf(stderr, "hashictl: %s: larger than 1 MiB\n", path);
			goto done;
		}
		strbuf_add(sb, buf, n);
	}
	if (ferror(f) || sb->sb_failed) {
		fprintf(stderr, "hashictl: %s: read failed\n", path);
		goto done;
	}
	ret = 0;
done:
	fclose(f);
	return ret;
}

/* Length of the line at P (up to and including its newline) within N bytes. */
static size_t
deploy_line(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);

	return nl != NULL ? (size_t)(nl - p) + 1 : n;
}

/* Prints the first differing line of OLD (the file) and NEW (generated) as a unified
 * diff hunk: enough for an operator to see what changed, and no diff library. */
static void
deploy_first_diff(const char *path, const char *old, size_t olen, const char *new,
    size_t nlen)
{
	size_t lo, ln, line = 1;

	for (;;) {
		lo = deploy_line(old, olen);
		ln = deploy_line(new, nlen);
		if (lo != ln || memcmp(old, new, lo) != 0 || lo == 0)
			break;
		old += lo, olen -= lo, new += ln, nlen -= ln, line++;
	}
	printf("--- %s\n+++ generated\n@@ -%zu +%zu @@\n", path, line, line);
	if (lo > 0)
		printf("-%.*s%s", (int)lo, old, old[lo - 1] == '\n' ? "" : "\n");
	if (ln > 0)
		printf("+%.*s%s", (int)ln, new, new[ln - 1] == '\n' ? "" : "\n");
}

int
ctl_deploy_swanctl(const struct config *cf, int argc, char **argv)
{
	const char *out = NULL, *check = NULL;
	struct strbuf old = { 0 };
	char *text = NULL;
	size_t len = 0;
	int i, ret = 1;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && out == NULL)
			out = argv[++i];
		else if (strcmp(argv[i], "--check") == 0 && i + 1 < argc && check == NULL)
			check = argv[++i];
		else {
			fprintf(stderr, "hashictl: deploy swanctl: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	if (out != NULL && check != NULL) {
		fprintf(stderr, "hashictl: deploy swanctl: -o and --check exclude each other\n");
		return 2;
	}
	if ((text = swanctl_render(cf, stderr, &len)) == NULL)
		goto done;
	if (check != NULL) {
		if (deploy_read(check, &old) == -1)
			goto done;
		if (old.sb_len == len && memcmp(old.sb_data, text, len) == 0)
			ret = 0;
		else
			deploy_first_diff(check, old.sb_data != NULL ? old.sb_data : "",
			    old.sb_len, text, len);
	} else if (out != NULL)
		ret = deploy_write(out, text, len) == 0 ? 0 : 1;
	else
		ret = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
done:
	strbuf_reset(&old);
	free(text);
	return ret;
}
