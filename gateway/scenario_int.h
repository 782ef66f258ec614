/*
 * gateway/scenario_int: what the files of gateway/scenario share: scenario.c (option
 * tables, load, free, look-ups), scenario_value.c (checks of single values, word lists),
 * scenario_check.c (regions, patients, documents, consents) and scenario_steps.c (steps
 * and their expectations). Each check of a value returns NULL when it is acceptable, else a
 * static English reason; the checks of the whole file report through scenario_err at the
 * position of the key path they name.
 */
#ifndef HASHI_GATEWAY_SCENARIO_INT_H
#define HASHI_GATEWAY_SCENARIO_INT_H

#include <stddef.h>

#include "common/conf.h"

#include "gateway/scenario.h"

#define SCN_PATH_MAX	160	/* "regions[46].patients[1234].family_kana" and the like */
#define SCN_LIST_MAX	64	/* values in one list */
#define SCN_NAME_MAX	32	/* bytes of a region name */
#define SCN_ID_MAX	64	/* bytes of a patient, document or consent id, or a user */

struct conf;

/* Reports "PATH: message" at the node of PATH (or its closest existing ancestor). */
#define scenario_err(c, path, ...)	conf_error_path((c), (path), __VA_ARGS__)

/* Formats a key path into BUF (SCN_PATH_MAX bytes); "" when it does not fit. */
const char *scenario_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns the line of the node at PATH (or its closest ancestor), 0 when none. */
int scenario_line(const struct conf *c, const char *path);

/* Records an allocation failure, so that the load fails. */
void scenario_nomem(struct conf *c);

/* Value checks used by the option tables (scenario_value.c). */
const char *scenario_check_region_name(const char *s);	/* [a-z][a-z0-9-]*, <= 32 */
const char *scenario_check_id(const char *s);		/* [A-Za-z0-9][A-Za-z0-9._-]*, <= 64 */
const char *scenario_check_token(const char *s);		/* a document class code */
const char *scenario_check_purpose(const char *s);		/* a purpose name */
const char *scenario_check_prefix(const char *s);		/* [A-Z][A-Z0-9]*, <= 8 */
const char *scenario_check_ref(const char *s);		/* "region/id" */
const char *scenario_check_as(const char *s);		/* "region" or "region/user" */
const char *scenario_check_text(const char *s);		/* a name norm_name reads */
const char *scenario_check_kana(const char *s);		/* a reading norm_kana reads */
const char *scenario_check_birth(const char *s);		/* YYYY-MM-DD, a real date */
const char *scenario_check_sex(const char *s);		/* M, F or U */
const char *scenario_check_postal(const char *s);		/* NNN-NNNN */
const char *scenario_check_address(const char *s);		/* an address norm_addr reads */
const char *scenario_check_time(const char *s);		/* consent validity: date or dateTime */
const char *scenario_check_status(const char *s);		/* Success, PartialSuccess,
    Failure */
const char *scenario_check_regerr(const char *s);		/* a known RegistryError code */
const char *scenario_check_event(const char *s);		/* an audit EventTypeCode */
const char *scenario_check_denied(const char *s);		/* part of a denial reason */

/* Lists written as one value, words separated by blanks or commas ("shimane, tottori"),
 * stored as char ** followed by its size_t count (the field pair of scenario.h). Each
 * setter checks every word like the check of the same name; co_free is scenario_list_free. */
const char *scenario_set_regions(const char *value, void *field);
const char *scenario_set_purposes(const char *value, void *field);
const char *scenario_set_classes(const char *value, void *field);
const char *scenario_set_users(const char *value, void *field);
const char *scenario_set_ids(const char *value, void *field);
const char *scenario_set_refs(const char *value, void *field);
void scenario_list_free(void *field);

/* Audit outcome: 0, 4, 8, 12 or "any" (-1), into an int. */
const char *scenario_set_outcome(const char *value, void *field);

/* Returns 1 when ID is the id of one of R's synthetic patients (scenario.c). */
int scenario_is_synthetic(const struct scn_region *r, const char *id);

/* Returns the scalar at PATH as written, or NULL when it is absent or not a scalar
 * (scenario.c). */
const char *scenario_scalar(const struct conf *c, const char *path);

/* Returns 1 when LIST of N holds S. */
int scenario_list_has(char *const *list, size_t n, const char *s);

/* Splits REF "region/rest" at its first '/': the region name is copied into REGION
 * (SCN_NAME_MAX + 1 bytes) and *REST points into REF. Returns 0, or -1 without '/' or
 * with a region name too long. */
int scenario_ref_split(const char *ref, char *region, const char **rest);

/* The checks of the whole file, run after the tables whenever a document was parsed
 * (each skips what the tables already refused). */
void scenario_check_regions(struct conf *c, struct scenario *s);	/* scenario_check.c */
void scenario_check_consents(struct conf *c, struct scenario *s);	/* scenario_check.c */
void scenario_check_steps(struct conf *c, struct scenario *s);	/* scenario_steps.c */

#endif
