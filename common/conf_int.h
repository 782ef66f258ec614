/*
 * common/conf_int: what conf.c (file, parser, node tree, errors), conf_table.c (walking
 * and freeing by option table) and conf_print.c share. Not for use outside common/conf*.c.
 */
#ifndef HASHI_COMMON_CONF_INT_H
#define HASHI_COMMON_CONF_INT_H

#include <stddef.h>

#include "common/conf.h"

enum conf_node_kind {
	CN_NULL,	/* empty value, ~ or null (plain) */
	CN_SCALAR,
	CN_SEQ,
	CN_MAP
};

/* One YAML node; positions are 1-based, the column counted in characters. */
struct conf_node {
	enum conf_node_kind	 cn_kind;
	unsigned		 cn_line;
	unsigned		 cn_col;
	char			*cn_str;	/* CN_SCALAR: NUL-free UTF-8 */
	struct conf_node	*cn_kids;	/* SEQ: items; MAP: key, value, key, value... */
	size_t			 cn_n;		/* SEQ: items; MAP: pairs */
};

struct conf_error {
	unsigned	 ce_line;	/* 0: about the file as a whole */
	unsigned	 ce_col;
	char		*ce_text;
};

#define CONF_PATH_MAX	256

struct conf {
	char			*c_file;	/* as given: errors name it this way */
	char			*c_dir;		/* absolute directory of c_file */
	struct conf_node	*c_root;	/* NULL until parsed */
	struct conf_error	*c_errs;	/* sorted by position */
	size_t			 c_nerrs;
	int			 c_nomem;	/* an allocation failed: the load fails */
	char			 c_path[CONF_PATH_MAX];	/* key path being walked */
	size_t			 c_pathlen;
};

/* Walks the parsed document with TABLE into TARGET (conf_table.c). */
void conf_walk_root(struct conf *c, const struct conf_table *table, void *target);

/* Reads a CONF_INT field of WIDTH bytes, signed or not (conf_table.c). */
long long conf_load_int(const void *field, size_t width, int is_signed);

#endif
