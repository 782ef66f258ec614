/* common/conf_print: writes an object back as YAML by its option table (see conf.h). */
#include "common/conf.h"
#include "common/conf_int.h"

#include <stdio.h>
#include <string.h>

#include "common/str.h"

#define CFIELD(base, o)	((const void *)((const char *)(base) + (o)->co_off))

void
conf_put_quoted(struct strbuf *sb, const char *s)
{
	strbuf_puts(sb, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_printf(sb, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			strbuf_printf(sb, "\\x%02x", (unsigned)(unsigned char)*s);
		else
			strbuf_add(sb, s, 1);
	}
	strbuf_puts(sb, "\"");
}

static size_t conf_print_table(struct strbuf *, const struct conf_table *, const void *, int);

/* Returns 1 when the sequence has entries, 0 when it printed as []. */
static int
conf_print_seq(struct strbuf *sb, const struct conf_option *o, const void *obj, int indent)
{
	const char *arr;
	struct strbuf item;
	size_t n, i;

	memcpy(&arr, CFIELD(obj, o), sizeof(arr));
	memcpy(&n, (const char *)obj + o->co_count_off, sizeof(n));
	if (n == 0 || arr == NULL) {
		strbuf_printf(sb, "%*s%s: []\n", indent, "", o->co_key);
		return 0;
	}
	strbuf_printf(sb, "%*s%s:\n", indent, "", o->co_key);
	for (i = 0; i < n; i++) {
		memset(&item, 0, sizeof(item));
		/* Render at the item's key column, then turn the first line's indent into
		 * the "- " marker. */
		conf_print_table(&item, o->co_table, arr + i * o->co_table->ct_size,
		    indent + 4);
		if (item.sb_len == 0)
			strbuf_printf(sb, "%*s- {}\n", indent + 2, "");
		else
			strbuf_printf(sb, "%*s- %s", indent + 2, "", item.sb_data + indent + 4);
		if (item.sb_failed)
			sb->sb_failed = 1;
		strbuf_reset(&item);
	}
	return 1;
}

/* Returns 1 when a value was printed, 0 when nothing or only an empty sequence was. */
static int
conf_print_option(struct strbuf *sb, const struct conf_option *o, const void *obj,
    int indent)
{
	const void *field = CFIELD(obj, o);
	const char *s;
	char buf[256];
	size_t sz;
	int v;

	if (o->co_type == CONF_SEQ)
		return conf_print_seq(sb, o, obj, indent);
	if (o->co_type == CONF_STRING || o->co_type == CONF_PATH) {
		if ((s = *(char *const *)field) == NULL)
			return 0;
		strbuf_printf(sb, "%*s%s: ", indent, "", o->co_key);
		conf_put_quoted(sb, s);
		strbuf_puts(sb, "\n");
		return 1;
	}
	if (o->co_type == CONF_CUSTOM) {
		if (o->co_print == NULL || !o->co_print(field, buf, sizeof(buf)))
			return 0;
		strbuf_printf(sb, "%*s%s: ", indent, "", o->co_key);
		conf_put_quoted(sb, buf);
		strbuf_puts(sb, "\n");
		return 1;
	}
	strbuf_printf(sb, "%*s%s: ", indent, "", o->co_key);
	v = (o->co_type == CONF_BOOL || o->co_type == CONF_ENUM ||
	    o->co_type == CONF_DURATION) ? *(const int *)field : 0;
	if (o->co_type == CONF_INT)
		strbuf_printf(sb, "%lld\n", conf_load_int(field, o->co_width, o->co_min < 0));
	else if (o->co_type == CONF_SIZE) {
		memcpy(&sz, field, sizeof(sz));
		strbuf_printf(sb, "%zu\n", sz);
	} else if (o->co_type == CONF_DURATION)
		strbuf_printf(sb, "%dms\n", v);
	else if (o->co_type == CONF_BOOL)
		strbuf_puts(sb, v ? "true\n" : "false\n");
	else {	/* CONF_ENUM: an index stored by the loader */
		for (sz = 0; o->co_enum[sz] != NULL && sz < (size_t)v; sz++)
			;
		strbuf_printf(sb, "%s\n", v >= 0 && o->co_enum[sz] != NULL ?
		    o->co_enum[sz] : "?");
	}
	return 1;
}

/* Returns how many values were printed (empty sequences not counted). */
static size_t
conf_print_table(struct strbuf *sb, const struct conf_table *t, const void *obj, int indent)
{
	const struct conf_option *o;
	struct strbuf sub;
	size_t nset = 0, n;

	for (o = t->ct_opts; o->co_key != NULL; o++) {
		if (o->co_type != CONF_MAP) {
			nset += (size_t)conf_print_option(sb, o, obj, indent);
			continue;
		}
		/* A mapping with nothing set (or only empty sequences) is left out:
		 * "key: {}" or "key: {list: []}" would then fail its required keys when
		 * loaded again, and leaving it out loads to the same object. */
		memset(&sub, 0, sizeof(sub));
		n = conf_print_table(&sub, o->co_table, CFIELD(obj, o), indent + 2);
		if (n > 0) {
			strbuf_printf(sb, "%*s%s:\n", indent, "", o->co_key);
			strbuf_add(sb, sub.sb_data, sub.sb_len);
			nset += n;
		}
		if (sub.sb_failed)
			sb->sb_failed = 1;
		strbuf_reset(&sub);
	}
	return nset;
}

int
conf_print(const struct conf_table *table, const void *obj, FILE *out)
{
	struct strbuf sb = { 0 };
	int ret = -1;

	conf_print_table(&sb, table, obj, 0);
	if (sb.sb_failed)
		goto done;
	if (sb.sb_len > 0 && fwrite(sb.sb_data, 1, sb.sb_len, out) != sb.sb_len)
		goto done;
	ret = fflush(out) == 0 ? 0 : -1;
done:
	strbuf_reset(&sb);
	return ret;
}
