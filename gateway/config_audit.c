/*
 * gateway/config_audit: the audit: section of hashid's configuration (the signed audit
 * log of audit/), kept apart from config.c so each file stays about one thing.
 */
#include "gateway/config.h"
#include "gateway/config_int.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "common/conf.h"
#include "crypto/checkpoint.h"

#define OFF(type, member)	offsetof(type, member)
#define MIB	(1024LL * 1024)
#define GIB	(1024 * MIB)

/* The origin line names the log in every checkpoint; the note format forbids spaces and
 * '+' in it (crypto/checkpoint.h note_name_valid). */
static const char *
config_check_origin(const char *s)
{
	return note_name_valid(s) ? NULL : "not a valid origin (no spaces, no '+')";
}

const char *
config_check_vkey(const char *s)
{
	struct note_verifier *v = note_verifier_parse(s);

	note_verifier_free(v);
	return v != NULL ? NULL : "not an Ed25519 note verifier key (name+hash+key, as in "
	    "audit-signing.key.pub)";
}

static const struct conf_option forward_opts[] = {
	{ .co_key = "address", .co_type = CONF_STRING, .co_flags = CONF_REQUIRED,
	  .co_off = OFF(struct config, cf_audit_fwd_address), .co_check = config_check_address,
	  .co_doc = "audit record repository (syslog over TLS, RFC 5425)" },
	/* no default in the table: an absent forward: section must print as nothing */
	{ .co_key = "port", .co_type = CONF_CUSTOM,
	  .co_off = OFF(struct config, cf_audit_fwd_port), .co_set = config_set_port,
	  .co_print = config_print_port, .co_doc = "its TCP port; absent = 6514 (RFC 5425)" },
	{ .co_key = "server_name", .co_type = CONF_STRING,
	  .co_off = OFF(struct config, cf_audit_fwd_server_name),
	  .co_doc = "name its certificate must carry; absent = the address" },
	{ .co_key = "ca", .co_type = CONF_PATH,
	  .co_off = OFF(struct config, cf_audit_fwd_ca),
	  .co_doc = "CA file for its certificate; absent = tls.ca" },
	{ .co_key = NULL }
};
static const struct conf_table forward_table = { "forward", forward_opts, 0 };

static const struct conf_option audit_opts[] = {
	{ .co_key = "map_size", .co_type = CONF_SIZE, .co_default = "4GiB",
	  .co_off = OFF(struct config, cf_audit_map_size), .co_min = MIB,
	  .co_max = 4096 * GIB, .co_doc = "LMDB map size of the audit log (~3 KiB a record)" },
	{ .co_key = "key", .co_type = CONF_PATH,
	  .co_off = OFF(struct config, cf_audit_key),
	  .co_doc = "Ed25519 checkpoint signing key (hashictl audit keygen); absent = "
	    "<state_dir>/audit-signing.key, created at first start" },
	{ .co_key = "origin", .co_type = CONF_STRING,
	  .co_off = OFF(struct config, cf_audit_origin), .co_check = config_check_origin,
	  .co_doc = "origin line of the checkpoints; absent = hashi/<home_community_id>" },
	{ .co_key = "checkpoint_interval", .co_type = CONF_DURATION, .co_default = "10s",
	  .co_off = OFF(struct config, cf_audit_ckpt_interval_ms), .co_min = 100,
	  .co_max = INT_MAX, .co_doc = "sign a checkpoint this often when records were added" },
	{ .co_key = "checkpoint_entries", .co_type = CONF_INT, .co_default = "10000",
	  .co_off = OFF(struct config, cf_audit_ckpt_entries), .co_width = sizeof(long long),
	  .co_min = 1, .co_max = 1000000000, .co_doc = "... or after this many new records" },
	{ .co_key = "forward", .co_type = CONF_MAP, .co_table = &forward_table,
	  .co_doc = "also send every record to an ATNA audit record repository" },
	{ .co_key = NULL }
};
const struct conf_table config_audit_table = { "audit", audit_opts, 0 };

const char *
config_audit_key_path(const struct config *cf, char *buf, size_t bufsz)
{
	int n;

	if (cf->cf_audit_key != NULL)
		n = snprintf(buf, bufsz, "%s", cf->cf_audit_key);
	else
		n = snprintf(buf, bufsz, "%s/audit-signing.key", cf->cf_state_dir);
	return n < 0 || (size_t)n >= bufsz ? NULL : buf;
}

const char *
config_audit_origin(const struct config *cf, char *buf, size_t bufsz)
{
	int n;

	if (cf->cf_audit_origin != NULL)
		n = snprintf(buf, bufsz, "%s", cf->cf_audit_origin);
	else
		n = snprintf(buf, bufsz, "hashi/%s", cf->cf_hcid);
	return n < 0 || (size_t)n >= bufsz ? NULL : buf;
}
