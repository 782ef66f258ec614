/*
 * common/conf: loads one YAML configuration file into a C struct through typed option
 * tables, in the manner of Tor's option tables. The file is parsed with libyaml's document
 * API into a tree that keeps each node's line and column; the tables are then walked and
 * every problem is collected as "file:line:col: message" (1-based; the column counts
 * characters), sorted by position, so one run names them all. No other module reads YAML.
 *
 * A table lists the keys of one mapping. Each option names its key, type, field offset in
 * the target struct (or a setter callback), an optional default written as it would be in
 * the file, a range and a doc string. Values are owned by the target once stored; free
 * them with conf_table_free. Aliases/anchors and multiple documents are refused.
 */
#ifndef HASHI_COMMON_CONF_H
#define HASHI_COMMON_CONF_H

#include <stddef.h>
#include <stdio.h>

enum conf_type {
	CONF_STRING,	/* char *, malloc'd; never empty; co_check may validate it */
	CONF_PATH,	/* char *, made absolute against the config file's directory */
	CONF_INT,	/* integer field of co_width bytes (1, 2, 4, 8), in [co_min, co_max] */
	CONF_BOOL,	/* int 0/1; true|false|yes|no|on|off */
	CONF_SIZE,	/* size_t bytes; "4096", "512KiB", "64MiB", "1GiB", "1TiB" */
	CONF_DURATION,	/* int milliseconds; "250ms", "10s", "2m", "1h" (a unit is required) */
	CONF_ENUM,	/* int index into co_enum */
	CONF_MAP,	/* nested mapping: co_table's offsets are relative to base + co_off */
	CONF_SEQ,	/* sequence of mappings: array at co_off, size_t count at co_count_off */
	CONF_CUSTOM	/* scalar handed to co_set */
};

#define CONF_REQUIRED	0x01	/* the key must be present (only checked when its mapping is) */

struct conf;
struct conf_node;
struct conf_table;
struct strbuf;

struct conf_option {
	const char	*co_key;
	enum conf_type	 co_type;
	int		 co_flags;		/* CONF_REQUIRED */
	size_t		 co_off;		/* field offset in the enclosing object */
	size_t		 co_width;		/* CONF_INT: sizeof the field */
	size_t		 co_count_off;		/* CONF_SEQ: offset of the size_t count */
	const char	*co_default;		/* as written in the file; NULL = none */
	/* INT, SIZE (bytes), DURATION (ms): allowed range; SEQ: entry count (max 0 = any). */
	long long	 co_min, co_max;
	const char *const *co_enum;		/* CONF_ENUM: NULL-terminated names */
	const struct conf_table *co_table;	/* CONF_MAP, CONF_SEQ */
	/* CONF_STRING, CONF_PATH (made absolute first): returns NULL when VALUE is
	 * acceptable, else a static reason. */
	const char	*(*co_check)(const char *value);
	/* CONF_CUSTOM: stores VALUE into FIELD (base + co_off); returns NULL or a static
	 * reason. co_print writes the value into BUF and returns 1, or returns 0 when the
	 * field is unset (the key is then not printed). co_free releases what co_set kept. */
	const char	*(*co_set)(const char *value, void *field);
	int		 (*co_print)(const void *field, char *buf, size_t bufsz);
	void		 (*co_free)(void *field);
	const char	*co_doc;
};

struct conf_table {
	const char		 *ct_name;	/* for documentation */
	const struct conf_option *ct_opts;	/* ends with an entry whose co_key is NULL */
	size_t			  ct_size;	/* sizeof one element when used by CONF_SEQ */
};

/* Returns a new loader for FILE (copied), or NULL on allocation failure. Free with
 * conf_free. */
struct conf *conf_new(const char *file);

/* Frees C, its node tree and its error list; NULL is accepted. Does not touch targets. */
void conf_free(struct conf *c);

/* Reads C's file, refusing it when it is not a regular file, is larger than 1 MiB or is
 * group- or world-writable, parses it and fills TARGET (zeroed by the caller) by walking
 * TABLE, applying defaults. Values stored before an error stay in TARGET: free them with
 * conf_table_free in all cases. Returns 0 when no error was recorded, else -1. */
int conf_load(struct conf *c, const struct conf_table *table, void *target);

/* Frees every string, sequence and custom value TABLE stored in OBJ (not OBJ itself) and
 * zeroes those fields. NULL OBJ is accepted. */
void conf_table_free(const struct conf_table *table, void *obj);

/* Writes OBJ as YAML to OUT following TABLE: every key with a value, strings and paths
 * double-quoted, sizes in bytes, durations as "<n>ms", enums by name. Unset optional
 * strings and mappings left empty are omitted; empty sequences print as []. The output
 * loads again to an equal object. Returns 0, or -1 on a write or allocation error. */
int conf_print(const struct conf_table *table, const void *obj, FILE *out);

/* Records an error at NODE's position (the file alone when NODE is NULL). Used by schema
 * code for semantic checks after conf_load. */
void conf_errorf(struct conf *c, const struct conf_node *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Returns the node at PATH below the document root ("peers[1].home_community_id"; the
 * empty string is the root), or the closest existing ancestor when part of the path is
 * absent, so errors about a missing key land on the mapping that lacks it. Returns NULL
 * only when no document was loaded. Borrowed from C. */
const struct conf_node *conf_lookup(const struct conf *c, const char *path);

/* Returns 1 when PATH (as for conf_lookup) names a node present in the file, else 0. */
int conf_has(const struct conf *c, const char *path);

/* Reports "PATH: <message from FMT>" at the node PATH names (or its closest ancestor,
 * conf_lookup): the checks a loader makes after the tables, with the key path in front. */
void conf_error_path(struct conf *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends S to SB as a YAML double-quoted scalar: '"' and '\\' escaped, control
 * characters as \xNN, UTF-8 unchanged. For code that writes YAML the loader reads back. */
void conf_put_quoted(struct strbuf *sb, const char *s);

/* Writes every error of C, one "file:line:col: message" per line, to ERRS, or to the log
 * (log_warnx) when ERRS is NULL: how a loader shows why it refused a file. */
void conf_report(const struct conf *c, FILE *errs);

/* The line (1-based) of the node PATH names, or 0 when it is absent. */
int conf_line(const struct conf *c, const char *path);

/* The text of the scalar PATH names (borrowed from C), or NULL when it is absent or not a
 * scalar. */
const char *conf_scalar(const struct conf *c, const char *path);

/* Returns how many errors were recorded. */
size_t conf_nerrors(const struct conf *c);

/* Returns error I (0-based, in file order) as "file:line:col: message". Borrowed; NULL
 * when I is out of range. */
const char *conf_error(const struct conf *c, size_t i);

/* Parses a size ("4096", "512KiB", "16MiB", "4GiB", "1TiB"; optional blank before the
 * unit; units case-insensitive) into *OUT bytes; a value too large saturates at
 * ULLONG_MAX so that range checks report it. Returns 0, or -1 when malformed. */
int conf_parse_size(const char *s, unsigned long long *out);

/* Parses a duration ("250ms", "10s", "2m", "1h") into *OUT milliseconds, saturating at
 * LLONG_MAX. A bare number is refused so that "60" cannot silently mean 60ms. Returns 0,
 * or -1 when malformed. */
int conf_parse_duration(const char *s, long long *out);

#endif
