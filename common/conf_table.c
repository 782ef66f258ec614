/* common/conf_table: applies option tables to the parsed tree (conf_walk_root) and frees
 * what they stored (conf_table_free). Printing is in conf_print.c. */
#include "common/conf.h"
#include "common/conf_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/str.h"

#define FIELD(base, o)	((void *)((char *)(base) + (o)->co_off))

static void conf_walk_map(struct conf *, const struct conf_table *,
    const struct conf_node *, const struct conf_node *, void *, int);

/* Appends ".key" or "[i]" to the key path used in messages; returns the length to restore. */
static size_t
conf_path_push(struct conf *c, const char *key, size_t idx)
{
	size_t old = c->c_pathlen, room = CONF_PATH_MAX - old;
	int n;

	if (key != NULL)
		n = snprintf(c->c_path + old, room, "%s%s", old ? "." : "", key);
	else
		n = snprintf(c->c_path + old, room, "[%zu]", idx);
	if (n < 0 || (size_t)n >= room)	/* absurdly deep: the message keeps the start */
		c->c_pathlen = CONF_PATH_MAX - 1;
	else
		c->c_pathlen += (size_t)n;
	return old;
}

static void
conf_path_pop(struct conf *c, size_t old)
{
	c->c_pathlen = old;
	c->c_path[old] = '\0';
}

/* Quotes an input value for a message: control characters become '?', long values are
 * cut (at a character boundary) so one error stays one readable line. */
static const char *
conf_quote(const char *s, char *buf, size_t bufsz)
{
	size_t i = 0, max = bufsz - 6;

	buf[i++] = '"';
	for (; *s != '\0' && i < max; s++)
		buf[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (*s != '\0') {
		while (i > 1 && ((unsigned char)buf[i - 1] & 0xc0) == 0x80)
			i--;
		if (i > 1 && ((unsigned char)buf[i - 1] & 0x80))
			i--;	/* the lead byte of the character we cut */
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i++] = '"';
	buf[i] = '\0';
	return buf;
}

static const char *
conf_kind_name(const struct conf_node *n, char *buf, size_t bufsz)
{
	switch (n->cn_kind) {
	case CN_MAP:
		return "a mapping";
	case CN_SEQ:
		return "a sequence";
	case CN_NULL:
		return "nothing";
	default:
		return conf_quote(n->cn_str, buf, bufsz);
	}
}

/* Writes the largest unit that divides V exactly, for range messages. */
static const char *
conf_fmt_size(unsigned long long v, char *buf, size_t bufsz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && v != 0 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(buf, bufsz, "%llu%s", v, units[u]);
	return buf;
}

static const char *
conf_fmt_ms(long long v, char *buf, size_t bufsz)
{
	if (v != 0 && v % 3600000 == 0)
		snprintf(buf, bufsz, "%lldh", v / 3600000);
	else if (v != 0 && v % 60000 == 0)
		snprintf(buf, bufsz, "%lldm", v / 60000);
	else if (v != 0 && v % 1000 == 0)
		snprintf(buf, bufsz, "%llds", v / 1000);
	else
		snprintf(buf, bufsz, "%lldms", v);
	return buf;
}

static void
conf_store_int(void *field, size_t width, int is_signed, long long v)
{
	int8_t i8 = (int8_t)v;
	int16_t i16 = (int16_t)v;
	int32_t i32 = (int32_t)v;
	int64_t i64 = (int64_t)v;
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	uint64_t u64 = (uint64_t)v;

	switch (width) {
	case 1:
		memcpy(field, is_signed ? (void *)&i8 : (void *)&u8, 1);
		break;
	case 2:
		memcpy(field, is_signed ? (void *)&i16 : (void *)&u16, 2);
		break;
	case 4:
		memcpy(field, is_signed ? (void *)&i32 : (void *)&u32, 4);
		break;
	default:
		memcpy(field, is_signed ? (void *)&i64 : (void *)&u64, 8);
		break;
	}
}

long long
conf_load_int(const void *field, size_t width, int is_signed)
{
	int8_t i8;
	int16_t i16;
	int32_t i32;
	int64_t i64;

	switch (width) {
	case 1:
		memcpy(&i8, field, 1);
		return is_signed ? (long long)i8 : (long long)(uint8_t)i8;
	case 2:
		memcpy(&i16, field, 2);
		return is_signed ? (long long)i16 : (long long)(uint16_t)i16;
	case 4:
		memcpy(&i32, field, 4);
		return is_signed ? (long long)i32 : (long long)(uint32_t)i32;
	default:
		memcpy(&i64, field, 8);
		return i64;
	}
}

static int
conf_parse_bool(const char *s, int *out)
{
	static const char *const t[] = { "true", "yes", "on" }, *const f[] = { "false", "no",
	    "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, t[i]) == 0 || strcasecmp(s, f[i]) == 0) {
			*out = strcasecmp(s, t[i]) == 0;
			return 0;
		}
	}
	return -1;
}

/* Makes P absolute against DIR and removes ".", ".." and repeated slashes lexically, so a
 * printed path loads back to the same string. Returns a malloc'd path or NULL. */
static char *
conf_abspath(const char *dir, const char *p)
{
	struct strbuf sb = { 0 };
	const char *in;
	char *s;
	size_t w = 1, len;

	if (p[0] != '/') {
		strbuf_puts(&sb, dir);
		strbuf_puts(&sb, "/");
	}
	strbuf_puts(&sb, p);
	if ((s = strbuf_take(&sb, NULL)) == NULL)
		return NULL;
	/* Rewrite in place: the write index never passes the read pointer. */
	for (in = s + 1; *in != '\0'; in += len + (in[len] == '/')) {
		len = strcspn(in, "/");
		if (len == 0 || (len == 1 && in[0] == '.'))
			continue;
		if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (w > 1 && s[w - 1] == '/')
				w--;
			while (w > 1 && s[w - 1] != '/')
				w--;
			continue;
		}
		if (s[w - 1] != '/')
			s[w++] = '/';
		memmove(s + w, in, len);
		w += len;
	}
	if (w > 1 && s[w - 1] == '/')
		w--;
	s[w] = '\0';
	return s;
}

static void
conf_set_string(struct conf *c, const struct conf_option *o, const char *s,
    const struct conf_node *at, void *field)
{
	char q[96];
	const char *why;
	char *v;

	if (*s == '\0') {
		conf_errorf(c, at, "%s: must not be empty", c->c_path);
		return;
	}
	if (o->co_type == CONF_STRING && o->co_check != NULL &&
	    (why = o->co_check(s)) != NULL) {
		conf_errorf(c, at, "%s: %s, got %s", c->c_path, why, conf_quote(s, q, sizeof(q)));
		return;
	}
	v = o->co_type == CONF_PATH ? conf_abspath(c->c_dir, s) : str_dup(s);
	if (v == NULL) {
		c->c_nomem = 1;
		return;
	}
	/* a path is checked as it will be used: made absolute */
	if (o->co_type == CONF_PATH && o->co_check != NULL && (why = o->co_check(v)) != NULL) {
		conf_errorf(c, at, "%s: %s, got %s", c->c_path, why, conf_quote(s, q, sizeof(q)));
		free(v);
		return;
	}
	free(*(char **)field);
	*(char **)field = v;
}

/* Checks NUM against the option's range; errors name the value as written. */
static int
conf_in_range(struct conf *c, const struct conf_option *o, const char *s,
    const struct conf_node *at, long long num, int overflow)
{
	char q[96], lo[32], hi[32];

	if (!overflow && num >= o->co_min && num <= o->co_max)
		return 1;
	if (o->co_type == CONF_SIZE) {
		conf_fmt_size((unsigned long long)o->co_min, lo, sizeof(lo));
		conf_fmt_size((unsigned long long)o->co_max, hi, sizeof(hi));
	} else if (o->co_type == CONF_DURATION) {
		conf_fmt_ms(o->co_min, lo, sizeof(lo));
		conf_fmt_ms(o->co_max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%lld", o->co_min);
		snprintf(hi, sizeof(hi), "%lld", o->co_max);
	}
	conf_quote(s, q, sizeof(q));
	q[strlen(q) - 1] = '\0';	/* a number reads better unquoted */
	conf_errorf(c, at, "%s: %s is out of range (%s..%s)", c->c_path, q + 1, lo, hi);
	return 0;
}

static void
conf_set_number(struct conf *c, const struct conf_option *o, const char *s,
    const struct conf_node *at, void *field)
{
	static const char *const want[] = { [CONF_INT] = "an integer",
	    [CONF_SIZE] = "a size such as 512KiB, 16MiB or 1GiB",
	    [CONF_DURATION] = "a duration such as 250ms, 10s or 2m" };
	unsigned long long size = 0;
	long long num = 0;
	char q[96];
	int bad, over = 0;
	size_t sz;

	if (o->co_type == CONF_INT)
		bad = str_to_ll(s, LLONG_MIN, LLONG_MAX, &num);
	else if (o->co_type == CONF_SIZE) {
		bad = conf_parse_size(s, &size);
		over = size > LLONG_MAX;
		num = over ? LLONG_MAX : (long long)size;
	} else
		bad = conf_parse_duration(s, &num);
	if (bad) {
		conf_errorf(c, at, "%s: expected %s, got %s", c->c_path, want[o->co_type],
		    conf_quote(s, q, sizeof(q)));
		return;
	}
	if (!conf_in_range(c, o, s, at, num, over))
		return;
	if (o->co_type == CONF_INT)
		conf_store_int(field, o->co_width, o->co_min < 0, num);
	else if (o->co_type == CONF_SIZE) {
		sz = (size_t)num;
		memcpy(field, &sz, sizeof(sz));
	} else
		*(int *)field = (int)num;	/* co_max keeps it within int */
}

static void
conf_set_enum(struct conf *c, const struct conf_option *o, const char *s,
    const struct conf_node *at, void *field)
{
	struct strbuf names = { 0 };
	char q[96];
	int i;

	for (i = 0; o->co_enum[i] != NULL; i++) {
		if (strcmp(s, o->co_enum[i]) == 0) {
			*(int *)field = i;
			return;
		}
	}
	for (i = 0; o->co_enum[i] != NULL; i++)
		strbuf_printf(&names, "%s%s", i ? ", " : "", o->co_enum[i]);
	conf_errorf(c, at, "%s: expected one of %s, got %s", c->c_path,
	    names.sb_data ? names.sb_data : "", conf_quote(s, q, sizeof(q)));
	strbuf_reset(&names);
}

/* Stores the scalar S for option O; AT is where errors are reported. Defaults come
 * through here too, so a default is spelled and checked exactly like file input. */
static void
conf_set_scalar(struct conf *c, const struct conf_option *o, const char *s,
    const struct conf_node *at, void *base)
{
	void *field = FIELD(base, o);
	const char *why;
	char q[96];
	int b;

	switch (o->co_type) {
	case CONF_STRING:
	case CONF_PATH:
		conf_set_string(c, o, s, at, field);
		break;
	case CONF_INT:
	case CONF_SIZE:
	case CONF_DURATION:
		conf_set_number(c, o, s, at, field);
		break;
	case CONF_BOOL:
		if (conf_parse_bool(s, &b) == -1)
			conf_errorf(c, at, "%s: expected true or false, got %s", c->c_path,
			    conf_quote(s, q, sizeof(q)));
		else
			*(int *)field = b;
		break;
	case CONF_ENUM:
		conf_set_enum(c, o, s, at, field);
		break;
	case CONF_CUSTOM:
		if ((why = o->co_set(s, field)) != NULL)
			conf_errorf(c, at, "%s: %s, got %s", c->c_path, why,
			    conf_quote(s, q, sizeof(q)));
		break;
	default:
		break;
	}
}

/* KEY places the count error of an empty ("key:" alone) sequence. */
static void
conf_set_seq(struct conf *c, const struct conf_option *o, const struct conf_node *key,
    const struct conf_node *v, void *base)
{
	const struct conf_table *t = o->co_table;
	size_t n = v->cn_kind == CN_SEQ ? v->cn_n : 0, i, old;
	char *arr;
	char q[96];

	if (v->cn_kind != CN_SEQ && v->cn_kind != CN_NULL) {
		conf_errorf(c, v, "%s: expected a sequence, got %s", c->c_path,
		    conf_kind_name(v, q, sizeof(q)));
		return;
	}
	if ((long long)n < o->co_min || (o->co_max > 0 && (long long)n > o->co_max)) {
		const struct conf_node *at = v->cn_kind == CN_NULL ? key : v;

		if (o->co_max == 0)
			conf_errorf(c, at, "%s: needs at least %lld %s, has %zu", c->c_path,
			    o->co_min, o->co_min == 1 ? "entry" : "entries", n);
		else if (o->co_min == 0)
			conf_errorf(c, at, "%s: allows at most %lld %s, has %zu", c->c_path,
			    o->co_max, o->co_max == 1 ? "entry" : "entries", n);
		else
			conf_errorf(c, at, "%s: needs %lld to %lld entries, has %zu", c->c_path,
			    o->co_min, o->co_max, n);
	}
	if (n == 0)
		return;
	if ((arr = calloc(n, t->ct_size)) == NULL) {
		c->c_nomem = 1;
		return;
	}
	/* Owned by the target from here, so conf_table_free releases it on any error. */
	memcpy(FIELD(base, o), &arr, sizeof(arr));
	memcpy((char *)base + o->co_count_off, &n, sizeof(n));
	for (i = 0; i < n; i++) {
		const struct conf_node *item = &v->cn_kids[i];

		old = conf_path_push(c, NULL, i);
		if (item->cn_kind == CN_MAP)
			conf_walk_map(c, t, item, item, arr + i * t->ct_size, 1);
		else {
			conf_errorf(c, item, "%s: expected a mapping, got %s", c->c_path,
			    conf_kind_name(item, q, sizeof(q)));
			conf_walk_map(c, t, NULL, item, arr + i * t->ct_size, 0);
		}
		conf_path_pop(c, old);
	}
}

/* Stores value V of option O, whose key node is KEY. */
static void
conf_set_option(struct conf *c, const struct conf_option *o, const struct conf_node *key,
    const struct conf_node *v, void *base)
{
	char q[96];

	switch (o->co_type) {
	case CONF_MAP:
		if (v->cn_kind == CN_MAP)
			conf_walk_map(c, o->co_table, v, v, FIELD(base, o), 1);
		else if (v->cn_kind == CN_NULL)	/* "key:" with nothing: an empty mapping */
			conf_walk_map(c, o->co_table, NULL, key, FIELD(base, o), 1);
		else {
			conf_errorf(c, v, "%s: expected a mapping, got %s", c->c_path,
			    conf_kind_name(v, q, sizeof(q)));
			conf_walk_map(c, o->co_table, NULL, key, FIELD(base, o), 0);
		}
		break;
	case CONF_SEQ:
		conf_set_seq(c, o, key, v, base);
		break;
	default:
		if (v->cn_kind == CN_SCALAR)
			conf_set_scalar(c, o, v->cn_str, v, base);
		else if (v->cn_kind == CN_NULL)
			conf_errorf(c, key, "%s: missing value", c->c_path);
		else
			conf_errorf(c, v, "%s: expected a single value, got %s", c->c_path,
			    conf_kind_name(v, q, sizeof(q)));
		break;
	}
}

/* Applies what is absent: defaults, and for a mapping that is present (PRESENT), an error
 * for each missing required key at AT. An absent optional mapping only gets defaults. */
static void
conf_walk_absent(struct conf *c, const struct conf_option *o, const struct conf_node *at,
    void *base, int present)
{
	if (present && (o->co_flags & CONF_REQUIRED))
		conf_errorf(c, at, "missing required key \"%s\"", c->c_path);
	if (o->co_type == CONF_MAP)
		conf_walk_map(c, o->co_table, NULL, at, FIELD(base, o), 0);
	else if (o->co_default != NULL && o->co_type != CONF_SEQ)
		conf_set_scalar(c, o, o->co_default, at, base);
}

/* Walks mapping MAP (NULL: absent or empty) with table T into BASE. */
static void
conf_walk_map(struct conf *c, const struct conf_table *t, const struct conf_node *map,
    const struct conf_node *at, void *base, int present)
{
	const struct conf_node **first, *key;
	size_t nopts = 0, i, k, old;

	while (t->ct_opts[nopts].co_key != NULL)
		nopts++;
	if ((first = calloc(nopts + 1, sizeof(*first))) == NULL) {
		c->c_nomem = 1;
		return;
	}
	for (i = 0; map != NULL && i < map->cn_n; i++) {
		key = &map->cn_kids[2 * i];
		if (key->cn_kind != CN_SCALAR) {
			conf_errorf(c, key, "keys must be plain strings");
			continue;
		}
		for (k = 0; k < nopts && strcmp(t->ct_opts[k].co_key, key->cn_str) != 0; k++)
			;
		old = conf_path_push(c, key->cn_str, 0);
		if (k == nopts)
			conf_errorf(c, key, "unknown key \"%s\"", c->c_path);
		else if (first[k] != NULL)
			conf_errorf(c, key, "duplicate key \"%s\" (first at line %u)",
			    c->c_path, first[k]->cn_line);
		else {
			first[k] = key;
			conf_set_option(c, &t->ct_opts[k], key, key + 1, base);
		}
		conf_path_pop(c, old);
	}
	for (k = 0; k < nopts; k++) {
		if (first[k] != NULL)
			continue;
		old = conf_path_push(c, t->ct_opts[k].co_key, 0);
		conf_walk_absent(c, &t->ct_opts[k], at, base, present);
		conf_path_pop(c, old);
	}
	free(first);
}

void
conf_walk_root(struct conf *c, const struct conf_table *table, void *target)
{
	const struct conf_node *root = c->c_root;
	char q[96];

	conf_path_pop(c, 0);
	if (root->cn_kind == CN_MAP)
		conf_walk_map(c, table, root, root, target, 1);
	else if (root->cn_kind == CN_NULL)
		conf_walk_map(c, table, NULL, root, target, 1);
	else {
		conf_errorf(c, root, "expected a mapping of keys at the top level, got %s",
		    conf_kind_name(root, q, sizeof(q)));
		conf_walk_map(c, table, NULL, root, target, 0);
	}
}

void
conf_table_free(const struct conf_table *t, void *obj)
{
	const struct conf_option *o;
	char *arr;
	size_t n, i;

	if (obj == NULL)
		return;
	for (o = t->ct_opts; o->co_key != NULL; o++) {
		switch (o->co_type) {
		case CONF_STRING:
		case CONF_PATH:
			free(*(char **)FIELD(obj, o));
			*(char **)FIELD(obj, o) = NULL;
			break;
		case CONF_MAP:
			conf_table_free(o->co_table, FIELD(obj, o));
			break;
		case CONF_SEQ:
			memcpy(&arr, FIELD(obj, o), sizeof(arr));
			memcpy(&n, (char *)obj + o->co_count_off, sizeof(n));
			for (i = 0; arr != NULL && i < n; i++)
				conf_table_free(o->co_table, arr + i * o->co_table->ct_size);
			free(arr);
			arr = NULL;
			n = 0;
			memcpy(FIELD(obj, o), &arr, sizeof(arr));
			memcpy((char *)obj + o->co_count_off, &n, sizeof(n));
			break;
		case CONF_CUSTOM:
			if (o->co_free != NULL)
				o->co_free(FIELD(obj, o));
			break;
		default:
			break;
		}
	}
}
