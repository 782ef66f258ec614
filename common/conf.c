/* common/conf: see conf.h. This file reads and parses the file, keeps the node tree and
 * the error list; conf_table.c applies the option tables and conf_print.c writes YAML. */
#include "common/conf.h"
#include "common/conf_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "common/log.h"
#include "common/str.h"

#define CONF_MAX_FILE	(1024 * 1024)	/* a config is a few KiB; bound what we read */
#define CONF_MAX_DEPTH	32		/* hashid needs 4; stops runaway recursion */

struct conf *
conf_new(const char *file)
{
	struct conf *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->c_file = str_dup(file)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
conf_node_clear(struct conf_node *n)
{
	size_t i, nkids;

	if (n == NULL)
		return;
	nkids = n->cn_kind == CN_MAP ? 2 * n->cn_n : n->cn_n;
	for (i = 0; n->cn_kids != NULL && i < nkids; i++)
		conf_node_clear(&n->cn_kids[i]);
	free(n->cn_kids);
	free(n->cn_str);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->c_nerrs; i++)
		free(c->c_errs[i].ce_text);
	free(c->c_errs);
	if (c->c_root != NULL) {
		conf_node_clear(c->c_root);
		free(c->c_root);
	}
	free(c->c_dir);
	free(c->c_file);
	free(c);
}

/* Inserts keeping file order (line, then column, then arrival), so output reads like a
 * compiler's however the walk and the semantic checks interleave. */
static void
conf_add_error(struct conf *c, unsigned line, unsigned col, char *text)
{
	struct conf_error *e;
	size_t i;

	if ((e = reallocarray(c->c_errs, c->c_nerrs + 1, sizeof(*e))) == NULL) {
		free(text);
		c->c_nomem = 1;
		return;
	}
	c->c_errs = e;
	for (i = c->c_nerrs; i > 0; i--) {
		if (e[i - 1].ce_line < line ||
		    (e[i - 1].ce_line == line && e[i - 1].ce_col <= col))
			break;
		e[i] = e[i - 1];
	}
	e[i].ce_line = line;
	e[i].ce_col = col;
	e[i].ce_text = text;
	c->c_nerrs++;
}

/* Formats one error; lines are 0 when the error concerns the file as a whole. */
static void
conf_vadd(struct conf *c, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	struct strbuf sb = { 0 };
	char msg[1024];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))	/* keep the start; mark the cut */
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	if (line > 0)
		strbuf_printf(&sb, "%s:%u:%u: %s", c->c_file, line, col, msg);
	else
		strbuf_printf(&sb, "%s: %s", c->c_file, msg);
	if (sb.sb_failed) {
		strbuf_reset(&sb);
		c->c_nomem = 1;
		return;
	}
	conf_add_error(c, line, col, strbuf_take(&sb, NULL));
}

void
conf_errorf(struct conf *c, const struct conf_node *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vadd(c, node ? node->cn_line : 0, node ? node->cn_col : 0, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
conf_error_at(struct conf *c, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vadd(c, line, col, fmt, ap);
	va_end(ap);
}

size_t
conf_nerrors(const struct conf *c)
{
	/* An allocation failure lost an error: never report success after one. */
	return c->c_nerrs + (c->c_nomem ? 1 : 0);
}

const char *
conf_error(const struct conf *c, size_t i)
{
	if (i < c->c_nerrs)
		return c->c_errs[i].ce_text;
	if (i == c->c_nerrs && c->c_nomem)
		return "out of memory while loading the configuration";
	return NULL;
}

/* Reads the whole file after checking what it is through the open descriptor, so the
 * checks and the read concern the same file. */
static char *
conf_read_file(struct conf *c, size_t *lenp)
{
	struct stat st;
	char *buf = NULL, *ret = NULL;
	size_t len = 0;
	ssize_t r;
	int fd;

	if ((fd = open(c->c_file, O_RDONLY | O_CLOEXEC)) == -1) {
		conf_errorf(c, NULL, "%s", strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) == -1) {
		conf_errorf(c, NULL, "%s", strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_errorf(c, NULL, "not a regular file");
		goto done;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		conf_errorf(c, NULL, "refusing a group- or world-writable configuration file "
		    "(mode %04o; chmod go-w)", (unsigned)(st.st_mode & 07777));
		goto done;
	}
	if ((buf = malloc(CONF_MAX_FILE + 1)) == NULL) {
		c->c_nomem = 1;
		goto done;
	}
	for (;;) {
		r = read(fd, buf + len, CONF_MAX_FILE + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			conf_errorf(c, NULL, "%s", strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CONF_MAX_FILE) {
			conf_errorf(c, NULL, "larger than %d bytes", CONF_MAX_FILE);
			goto done;
		}
	}
	*lenp = len;
	ret = buf;
	buf = NULL;
done:
	free(buf);
	if (fd != -1)
		close(fd);
	return ret;
}

/* The directory relative paths are resolved against: the config file's, made absolute. */
static int
conf_set_dir(struct conf *c)
{
	const char *slash = strrchr(c->c_file, '/');
	char *dir, *real;

	if (slash == NULL)
		dir = str_dup(".");
	else if (slash == c->c_file)
		dir = str_dup("/");
	else
		dir = str_ndup(c->c_file, (size_t)(slash - c->c_file));
	if (dir == NULL)
		return -1;
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return -1;
	c->c_dir = real;
	return 0;
}

/* libyaml's reader errors carry a byte offset, not a mark: count lines and characters. */
static void
conf_offset_pos(const char *buf, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

static void
conf_syntax_error(struct conf *c, const yaml_parser_t *p, const char *buf, size_t len)
{
	unsigned line, col;

	if (p->error == YAML_MEMORY_ERROR) {
		c->c_nomem = 1;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		conf_offset_pos(buf, p->problem_offset < len ? p->problem_offset : len,
		    &line, &col);
		conf_error_at(c, line, col, "syntax error: %s",
		    p->problem ? p->problem : "unreadable input");
		return;
	}
	conf_error_at(c, (unsigned)p->problem_mark.line + 1,
	    (unsigned)p->problem_mark.column + 1, "syntax error: %s%s%s",
	    p->problem ? p->problem : "malformed YAML", p->context ? " " : "",
	    p->context ? p->context : "");
}

static int
conf_is_null(const yaml_node_t *yn)
{
	const char *v = (const char *)yn->data.scalar.value;

	if (yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

struct conf_conv {
	struct conf	*cv_conf;
	yaml_document_t	*cv_doc;
	unsigned char	*cv_seen;	/* per libyaml node: already converted once */
};

static int conf_convert(struct conf_conv *, yaml_node_t *, struct conf_node *, int);

/* Converts the node with id ID into OUT. */
static int
conf_convert_id(struct conf_conv *cv, int id, struct conf_node *out, int depth)
{
	yaml_node_t *yn;

	if ((yn = yaml_document_get_node(cv->cv_doc, id)) == NULL)
		return -1;
	return conf_convert(cv, yn, out, depth);
}

/* Converts a sequence's items or a mapping's pairs into OUT->cn_kids (for a mapping:
 * key, value, key, value...). */
static int
conf_convert_kids(struct conf_conv *cv, yaml_node_t *yn, struct conf_node *out, int depth)
{
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;
	size_t n = out->cn_kind == CN_MAP ? 2 * out->cn_n : out->cn_n, i = 0;

	if (n == 0)
		return 0;
	if ((out->cn_kids = calloc(n, sizeof(*out->cn_kids))) == NULL)
		return -1;
	if (out->cn_kind == CN_SEQ) {
		for (item = yn->data.sequence.items.start;
		    item < yn->data.sequence.items.top; item++)
			if (conf_convert_id(cv, *item, &out->cn_kids[i++], depth) == -1)
				return -1;
		return 0;
	}
	for (pair = yn->data.mapping.pairs.start; pair < yn->data.mapping.pairs.top; pair++) {
		if (conf_convert_id(cv, pair->key, &out->cn_kids[i++], depth) == -1 ||
		    conf_convert_id(cv, pair->value, &out->cn_kids[i++], depth) == -1)
			return -1;
	}
	return 0;
}

/* Copies libyaml's node YN into our tree. A node reached twice came through an alias:
 * refused, which also rules out cycles and billion-laughs expansion. */
static int
conf_convert(struct conf_conv *cv, yaml_node_t *yn, struct conf_node *out, int depth)
{
	struct conf *c = cv->cv_conf;
	size_t idx = (size_t)(yn - cv->cv_doc->nodes.start);

	out->cn_line = (unsigned)yn->start_mark.line + 1;
	out->cn_col = (unsigned)yn->start_mark.column + 1;
	if (cv->cv_seen[idx]) {
		conf_errorf(c, out, "YAML aliases are not supported (this anchored node is "
		    "used more than once)");
		return -1;
	}
	cv->cv_seen[idx] = 1;
	if (depth > CONF_MAX_DEPTH) {
		conf_errorf(c, out, "nested deeper than %d levels", CONF_MAX_DEPTH);
		return -1;
	}
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		if (strlen((const char *)yn->data.scalar.value) != yn->data.scalar.length) {
			conf_errorf(c, out, "NUL character in a value");
			return -1;
		}
		if (conf_is_null(yn)) {
			out->cn_kind = CN_NULL;
			return 0;
		}
		out->cn_kind = CN_SCALAR;
		out->cn_str = str_dup((const char *)yn->data.scalar.value);
		return out->cn_str == NULL ? -1 : 0;
	case YAML_SEQUENCE_NODE:
		out->cn_kind = CN_SEQ;
		out->cn_n = (size_t)(yn->data.sequence.items.top -
		    yn->data.sequence.items.start);
		break;
	case YAML_MAPPING_NODE:
		out->cn_kind = CN_MAP;
		out->cn_n = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
		break;
	default:
		return -1;
	}
	return conf_convert_kids(cv, yn, out, depth + 1);
}

static int
conf_build_tree(struct conf *c, yaml_document_t *doc)
{
	struct conf_conv cv = { c, doc, NULL };
	yaml_node_t *root = yaml_document_get_root_node(doc);
	size_t nnodes = (size_t)(doc->nodes.top - doc->nodes.start);
	int ret = -1;

	if ((c->c_root = calloc(1, sizeof(*c->c_root))) == NULL)
		goto done;
	if (root == NULL) {	/* empty file: an empty mapping at the start */
		c->c_root->cn_kind = CN_NULL;
		c->c_root->cn_line = c->c_root->cn_col = 1;
		ret = 0;
		goto done;
	}
	if ((cv.cv_seen = calloc(nnodes, 1)) == NULL)
		goto done;
	ret = conf_convert(&cv, root, c->c_root, 0);
done:
	if (ret == -1 && c->c_nerrs == 0)
		c->c_nomem = 1;
	free(cv.cv_seen);
	return ret;
}

static int
conf_parse(struct conf *c, const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_document_t doc, extra;
	yaml_node_t *n;
	int ret = -1, have_doc = 0;

	if (!yaml_parser_initialize(&p)) {
		c->c_nomem = 1;
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, &doc)) {
		conf_syntax_error(c, &p, buf, len);
		goto done;
	}
	have_doc = 1;
	if (conf_build_tree(c, &doc) == -1)
		goto done;
	/* A second document would be silently ignored by a single load: refuse it. */
	if (!yaml_parser_load(&p, &extra)) {
		conf_syntax_error(c, &p, buf, len);
		goto done;
	}
	if ((n = yaml_document_get_root_node(&extra)) != NULL)
		conf_error_at(c, (unsigned)n->start_mark.line + 1,
		    (unsigned)n->start_mark.column + 1,
		    "only one YAML document is allowed");
	yaml_document_delete(&extra);
	ret = 0;
done:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return ret;
}

int
conf_load(struct conf *c, const struct conf_table *table, void *target)
{
	char *buf;
	size_t len = 0;

	if ((buf = conf_read_file(c, &len)) == NULL)
		goto done;
	if (conf_set_dir(c) == -1) {
		conf_errorf(c, NULL, "cannot resolve its directory: %s", strerror(errno));
		goto done;
	}
	if (conf_parse(c, buf, len) == -1)
		goto done;
	conf_walk_root(c, table, target);
done:
	free(buf);
	return conf_nerrors(c) == 0 ? 0 : -1;
}

/* One path step: "name" or "name[index]" up to the next '.'. */
static const struct conf_node *
conf_lookup_step(const struct conf_node *n, const char **pp, int *stop)
{
	const char *p = *pp, *end = p + strcspn(p, ".[");
	size_t klen = (size_t)(end - p), i;
	char *q;
	unsigned long idx;

	if (klen > 0) {
		if (n->cn_kind != CN_MAP)
			goto miss;
		for (i = 0; i < n->cn_n; i++) {
			const struct conf_node *k = &n->cn_kids[2 * i];

			if (k->cn_kind == CN_SCALAR && strncmp(k->cn_str, p, klen) == 0 &&
			    k->cn_str[klen] == '\0')
				break;
		}
		if (i == n->cn_n)
			goto miss;
		n = &n->cn_kids[2 * i + 1];
	}
	while (*end == '[') {
		errno = 0;
		idx = strtoul(end + 1, &q, 10);
		if (errno != 0 || *q != ']' || n->cn_kind != CN_SEQ || idx >= n->cn_n)
			goto miss;
		n = &n->cn_kids[idx];
		end = q + 1;
	}
	*pp = *end == '.' ? end + 1 : end;
	return n;
miss:
	*stop = 1;
	return n;
}

static const struct conf_node *
conf_lookup_found(const struct conf *c, const char *path, int *stop)
{
	const struct conf_node *n = c->c_root;

	*stop = 0;
	if (n == NULL)
		return NULL;
	while (*path != '\0' && !*stop)
		n = conf_lookup_step(n, &path, stop);
	return n;
}

const struct conf_node *
conf_lookup(const struct conf *c, const char *path)
{
	int stop;

	return conf_lookup_found(c, path, &stop);
}

void
conf_report(const struct conf *c, FILE *errs)
{
	const char *e;
	size_t i;

	for (i = 0; (e = conf_error(c, i)) != NULL; i++) {
		if (errs != NULL)
			fprintf(errs, "%s\n", e);
		else
			log_warnx("%s", e);
	}
}

void
conf_error_path(struct conf *c, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);	/* a cut message is still an error */
	va_end(ap);
	conf_errorf(c, conf_lookup(c, path), "%s: %s", path, msg);
}

int
conf_line(const struct conf *c, const char *path)
{
	const struct conf_node *n = conf_lookup(c, path);

	return n != NULL ? (int)n->cn_line : 0;
}

const char *
conf_scalar(const struct conf *c, const char *path)
{
	const struct conf_node *n;

	if (!conf_has(c, path) || (n = conf_lookup(c, path)) == NULL || n->cn_kind != CN_SCALAR)
		return NULL;
	return n->cn_str;
}

int
conf_has(const struct conf *c, const char *path)
{
	int stop;

	return conf_lookup_found(c, path, &stop) != NULL && !stop;
}

/* Multiplies V by M, saturating: a huge value must fail the range check, not parse. */
static unsigned long long
conf_mul(unsigned long long v, unsigned long long m)
{
	if (m != 0 && v > ULLONG_MAX / m)
		return ULLONG_MAX;
	return v * m;
}

/* Splits S into a decimal number and a unit (leading/trailing blanks allowed). */
static int
conf_split_unit(const char *s, unsigned long long *num, const char **unit, size_t *ulen)
{
	char *end;
	const char *u;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	*num = strtoull(s, &end, 10);	/* ERANGE gives ULLONG_MAX: saturated too */
	for (u = end; *u == ' ' || *u == '\t'; u++)
		;
	*unit = u;
	*ulen = strcspn(u, " \t");
	if (u[*ulen + strspn(u + *ulen, " \t")] != '\0')
		return -1;
	return 0;
}

static int
conf_unit_is(const char *unit, size_t ulen, const char *name)
{
	return ulen == strlen(name) && strncasecmp(unit, name, ulen) == 0;
}

int
conf_parse_size(const char *s, unsigned long long *out)
{
	static const struct { const char *u; unsigned long long m; } units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 }
	};
	unsigned long long num;
	const char *unit;
	size_t ulen, i;

	if (conf_split_unit(s, &num, &unit, &ulen) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (conf_unit_is(unit, ulen, units[i].u)) {
			*out = conf_mul(num, units[i].m);
			return 0;
		}
	return -1;
}

int
conf_parse_duration(const char *s, long long *out)
{
	static const struct { const char *u; unsigned long long m; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }
	};
	unsigned long long num, v;
	const char *unit;
	size_t ulen, i;

	if (conf_split_unit(s, &num, &unit, &ulen) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!conf_unit_is(unit, ulen, units[i].u))
			continue;
		v = conf_mul(num, units[i].m);
		*out = v > LLONG_MAX ? LLONG_MAX : (long long)v;
		return 0;
	}
	return -1;
}
