/*
 * gateway/ctl_audit: `hashictl audit ...`, the auditor's side of the signed audit log
 * (audit/README.md): keys, the offline verifier, proof files, checkpoints to keep. The
 * commands work on the appliance's own log (<state_dir>/audit of the configuration) or,
 * with --dir, on a copy without any configuration. Reading the live log is itself audited,
 * fail closed: an "audit log used" record is committed before anything is shown, and the
 * command refuses when it cannot be.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit/atna.h"
#include "common/str.h"
#include "crypto/checkpoint.h"
#include "gateway/ctl.h"
#include "gateway/ctl_audit.h"
#include "gateway/ctl_common.h"
#include "gateway/gw_audit.h"

#define CTL_AUDIT_MAPSIZE	((size_t)1 << 20)	/* a copy: LMDB keeps its larger map */
#define CTL_AUDIT_VKEY_MAX	1024
#define CTL_AUDIT_WHAT_MAX	1024	/* command line kept in the record */

/* The options and the bit that allows each. */
static const struct {
	const char	*name;
	unsigned	 bit;
} ctl_audit_optab[] = {
	{ "--dir", CA_DIR }, { "--vkey", CA_VKEY }, { "--key", CA_KEY }, { "--name", CA_NAME },
	{ "-o", CA_OUT }, { "--since", CA_SINCE_CKPT | CA_FILTERS }, { "--until", CA_FILTERS },
	{ "--patient", CA_FILTERS }, { "--user", CA_FILTERS }, { "--from-region", CA_FILTERS },
	{ "--to-region", CA_FILTERS }, { "--purpose", CA_FILTERS },
	{ "--outcome", CA_FILTERS }, { "--event", CA_FILTERS }, { "--format", CA_FORMAT },
};

/* Applies option OPT = VAL to A. Returns 0 or 2 (printed). */
static int
ctl_audit_opt(struct ctl_audit *a, const char *opt, const char *val)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_audit_optab) / sizeof(ctl_audit_optab[0]); i++)
		if (strcmp(opt, ctl_audit_optab[i].name) == 0 &&
		    (a->ca_allowed & ctl_audit_optab[i].bit) != 0)
			break;
	if (i == sizeof(ctl_audit_optab) / sizeof(ctl_audit_optab[0])) {
		fprintf(stderr, "hashictl: audit %s: unknown option %s\n", a->ca_cmd, opt);
		return 2;
	}
	if (strcmp(opt, "--dir") == 0)
		a->ca_dir = val;
	else if (strcmp(opt, "--vkey") == 0)
		a->ca_vkey = val;
	else if (strcmp(opt, "--key") == 0)
		a->ca_key = val;
	else if (strcmp(opt, "--name") == 0)
		a->ca_name = val;
	else if (strcmp(opt, "-o") == 0)
		a->ca_out = val;
	else if (strcmp(opt, "--since") == 0 && (a->ca_allowed & CA_SINCE_CKPT) != 0)
		a->ca_since = val;
	else if (strcmp(opt, "--format") == 0) {
		if (export_format_parse(val, &a->ca_fmt) == -1) {
			fprintf(stderr, "hashictl: audit %s: unknown format %s (text, json, csv, "
			    "xml)\n", a->ca_cmd, val);
			return 2;
		}
	} else
		return ctl_audit_filter(a, opt, val);
	return 0;
}

int
ctl_audit_args(struct ctl_audit *a, const char *cmd, unsigned allowed, int npos,
    int argc, char **argv)
{
	char opt[32];
	const char *eq;
	int i, rc;

	memset(a, 0, sizeof(*a));
	a->ca_cmd = cmd;
	a->ca_allowed = allowed;
	a->ca_argc = argc;
	a->ca_argv = argv;
	search_query_init(&a->ca_q);
	for (i = 0; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			if (a->ca_npos == npos) {
				fprintf(stderr, "hashictl: audit %s: unexpected argument %s\n", cmd,
				    argv[i]);
				return 2;
			}
			a->ca_pos[a->ca_npos++] = argv[i];
			continue;
		}
		if (strncmp(argv[i], "--", 2) == 0 && (eq = strchr(argv[i], '=')) != NULL &&
		    (size_t)(eq - argv[i]) < sizeof(opt)) {
			memcpy(opt, argv[i], (size_t)(eq - argv[i]));
			opt[eq - argv[i]] = '\0';
			rc = ctl_audit_opt(a, opt, eq + 1);
		} else if (i + 1 < argc) {
			rc = ctl_audit_opt(a, argv[i], argv[i + 1]);
			i++;
		} else {
			fprintf(stderr, "hashictl: audit %s: %s needs a value\n", cmd, argv[i]);
			rc = 2;
		}
		if (rc != 0)
			return rc;
	}
	if (a->ca_npos != npos) {
		fprintf(stderr, "hashictl: audit %s: %d argument(s) expected\n", cmd, npos);
		return 2;
	}
	return 0;
}

/* Loads the configuration (the -f file) once. Returns 0, or 1 (printed). */
static int
ctl_audit_config(struct ctl_audit *a)
{
	if (a->ca_cf != NULL)
		return 0;
	if ((a->ca_cf = config_load(ctl_config_file, stderr)) == NULL) {
		fprintf(stderr, "hashictl: audit %s: cannot load %s (give --dir and --vkey to "
		    "work without a configuration)\n", a->ca_cmd, ctl_config_file);
		return 1;
	}
	return 0;
}

/* Resolves --key: given, or the configured signing key path. Returns 0 or 1. */
static int
ctl_audit_keypath(struct ctl_audit *a)
{
	if (a->ca_key != NULL)
		return 0;
	if (ctl_audit_config(a) != 0)
		return 1;
	if ((a->ca_key = config_audit_key_path(a->ca_cf, a->ca_keybuf,
	    sizeof(a->ca_keybuf))) == NULL) {
		fprintf(stderr, "hashictl: audit key path too long\n");
		return 1;
	}
	return 0;
}

/* Writes PATH ".pub" into BUF. Returns 0 or 1 (printed). */
static int
ctl_audit_pubpath(const char *path, char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "%s.pub", path);

	if (n < 0 || (size_t)n >= sz) {
		fprintf(stderr, "hashictl: %s: path too long\n", path);
		return 1;
	}
	return 0;
}

/* Reads the vkey line of FILE into BUF. Returns 0, or 1 (printed, naming FILE). */
static int
ctl_audit_read_vkey(const char *file, char *buf, size_t sz)
{
	FILE *f;
	size_t n;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "hashictl: %s: %s\n", file, strerror(errno));
		return 1;
	}
	n = fread(buf, 1, sz - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0 || n == sz - 1 || strchr(buf, '\n') != NULL) {
		fprintf(stderr, "hashictl: %s:1: not a single vkey line\n", file);
		return 1;
	}
	return 0;
}

int
ctl_audit_verifier(struct ctl_audit *a)
{
	char line[CTL_AUDIT_VKEY_MAX];

	if (a->ca_v != NULL)
		return 0;
	if (a->ca_vkey == NULL) {
		if (ctl_audit_keypath(a) != 0 ||
		    ctl_audit_pubpath(a->ca_key, a->ca_vkeybuf, sizeof(a->ca_vkeybuf)) != 0)
			return 1;
		a->ca_vkey = a->ca_vkeybuf;
	}
	if (ctl_audit_read_vkey(a->ca_vkey, line, sizeof(line)) != 0)
		return 1;
	if ((a->ca_v = note_verifier_parse(line)) == NULL) {
		fprintf(stderr, "hashictl: %s:1: not an Ed25519 verifier key\n", a->ca_vkey);
		return 1;
	}
	return 0;
}

/* Resolves the log dir: --dir (a copy), or <state_dir>/audit (live). Returns 0 or 1. */
static int
ctl_audit_dir(struct ctl_audit *a)
{
	char p[PATH_MAX];
	int n;

	if (a->ca_dir == NULL) {
		if (ctl_audit_config(a) != 0)
			return 1;
		n = snprintf(a->ca_dirbuf, sizeof(a->ca_dirbuf), "%s/audit",
		    a->ca_cf->cf_state_dir);
		if (n < 0 || (size_t)n >= sizeof(a->ca_dirbuf)) {
			fprintf(stderr, "hashictl: state_dir path too long\n");
			return 1;
		}
		a->ca_dir = a->ca_dirbuf;
		a->ca_live = 1;
	}
	/* auditlog_open would create an empty log: a missing one is an error. */
	n = snprintf(p, sizeof(p), "%s/data.mdb", a->ca_dir);
	if (n < 0 || (size_t)n >= sizeof(p) || access(p, R_OK) == -1) {
		fprintf(stderr, "hashictl: %s: no audit log there\n", a->ca_dir);
		return 1;
	}
	return 0;
}

/* The command line, for the record's object id: "audit CMD ARGS...". */
static void
ctl_audit_what(const struct ctl_audit *a, struct strbuf *what)
{
	int i;

	strbuf_printf(what, "hashictl audit %s", a->ca_cmd);
	for (i = 0; i < a->ca_argc && what->sb_len < CTL_AUDIT_WHAT_MAX; i++)
		strbuf_printf(what, " %s", a->ca_argv[i]);
	if (what->sb_len > CTL_AUDIT_WHAT_MAX && !what->sb_failed)
		what->sb_data[CTL_AUDIT_WHAT_MAX] = '\0';
}

/* Appends and commits the ATNA "audit log used" record of this command to the live log. */
static int
ctl_audit_record_use(struct ctl_audit *a)
{
	struct atna_record r;
	struct strbuf what = { 0 };
	int rc = AUDITLOG_EFAIL;

	ctl_audit_what(a, &what);
	/* Operator, time and this appliance as the other hashictl records have them. */
	ctl_audit_record(a->ca_cf, ATNA_LOG_USED, &r);
	r.ar_outcome = ATNA_OK;
	r.ar_object_id = what.sb_data;
	if (!what.sb_failed)
		rc = gw_audit_append_to(a->ca_log, &r);
	strbuf_reset(&what);
	return rc;
}

int
ctl_audit_open(struct ctl_audit *a)
{
	int rc;

	if (ctl_audit_dir(a) != 0 || ctl_audit_verifier(a) != 0)
		return 1;
	a->ca_log = auditlog_open(a->ca_dir, a->ca_live ? a->ca_cf->cf_audit_map_size :
	    CTL_AUDIT_MAPSIZE);
	if (a->ca_log == NULL) {
		fprintf(stderr, "hashictl: %s: cannot open the audit log\n", a->ca_dir);
		return 1;
	}
	if (a->ca_live && (rc = ctl_audit_record_use(a)) != AUDITLOG_OK) {
		fprintf(stderr, "hashictl: audit %s: refused: this read of the audit log could "
		    "not be recorded in %s (%s)\n", a->ca_cmd, a->ca_dir, auditlog_strerror(rc));
		return 1;
	}
	return 0;
}

FILE *
ctl_audit_output(const struct ctl_audit *a)
{
	FILE *f;
	int fd;

	if (a->ca_out == NULL || strcmp(a->ca_out, "-") == 0)
		return stdout;
	/* Exports hold patient ids: owner-only, like the log itself. */
	if ((fd = open(a->ca_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "hashictl: %s: %s\n", a->ca_out, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	return f;
}

int
ctl_audit_output_close(const struct ctl_audit *a, FILE *out)
{
	int bad = fflush(out) != 0 || ferror(out);

	if (out != stdout && fclose(out) != 0)
		bad = 1;
	if (bad)
		fprintf(stderr, "hashictl: %s: write error\n", a->ca_out != NULL ? a->ca_out :
		    "standard output");
	return bad ? -1 : 0;
}

void
ctl_audit_done(struct ctl_audit *a)
{
	auditlog_close(a->ca_log);
	a->ca_log = NULL;
	note_verifier_free(a->ca_v);
	a->ca_v = NULL;
	config_free(a->ca_cf);
	a->ca_cf = NULL;
}

int
ctl_audit_keygen(const struct config *cf, int argc, char **argv)
{
	struct ctl_audit a;
	struct strbuf vkey = { 0 };
	char pub[PATH_MAX], origin[CHECKPOINT_ORIGIN_MAX];
	FILE *f = NULL;
	int fd = -1, ret, dflt;

	(void)cf;
	if ((ret = ctl_audit_args(&a, "keygen", CA_KEY | CA_NAME, 0, argc, argv)) != 0)
		return ret;
	ret = 1;
	dflt = a.ca_key == NULL;
	if (ctl_audit_keypath(&a) != 0 || ctl_audit_pubpath(a.ca_key, pub, sizeof(pub)) != 0)
		goto done;
	if (a.ca_name == NULL) {
		if (ctl_audit_config(&a) != 0)
			goto done;
		a.ca_name = config_audit_origin(a.ca_cf, origin, sizeof(origin));
	}
	if (a.ca_name == NULL || !note_name_valid(a.ca_name)) {
		fprintf(stderr, "hashictl: audit keygen: invalid key name\n");
		goto done;
	}
	/* Both files are new: an existing key or vkey is never replaced. */
	if (access(pub, F_OK) == 0 || access(a.ca_key, F_OK) == 0) {
		fprintf(stderr, "hashictl: %s: exists, not overwritten\n",
		    access(a.ca_key, F_OK) == 0 ? a.ca_key : pub);
		goto done;
	}
	/* The default key lives in state_dir, which hashid may not have made yet. */
	if (dflt && a.ca_cf->cf_audit_key == NULL && mkdir(a.ca_cf->cf_state_dir, 0700) == -1 &&
	    errno != EEXIST) {
		fprintf(stderr, "hashictl: %s: %s\n", a.ca_cf->cf_state_dir, strerror(errno));
		goto done;
	}
	if (note_keygen(a.ca_name, a.ca_key, &vkey) == -1) {
		fprintf(stderr, "hashictl: %s: cannot create the key\n", a.ca_key);
		goto done;
	}
	if ((fd = open(pub, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL || fprintf(f, "%s\n", vkey.sb_data) < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "hashictl: %s: %s\n", pub, strerror(errno));
		if (f == NULL && fd != -1)
			close(fd);
		goto done;
	}
	printf("%s\n", vkey.sb_data);
	fprintf(stderr, "hashictl: key %s, verifier key %s\n", a.ca_key, pub);
	ret = 0;
done:
	strbuf_reset(&vkey);
	ctl_audit_done(&a);
	return ret;
}

int
ctl_audit_pubkey(const struct config *cf, int argc, char **argv)
{
	struct ctl_audit a;
	int ret;

	(void)cf;
	if ((ret = ctl_audit_args(&a, "pubkey", CA_KEY | CA_VKEY, 0, argc, argv)) != 0)
		return ret;
	ret = 1;
	if (ctl_audit_verifier(&a) == 0) {
		/* The verifier parsed it: print the line the auditor installs. */
		char line[CTL_AUDIT_VKEY_MAX];

		if (ctl_audit_read_vkey(a.ca_vkey, line, sizeof(line)) == 0) {
			printf("%s\n", line);
			ret = 0;
		}
	}
	ctl_audit_done(&a);
	return ret;
}

/* Checks the checkpoint note an auditor kept in FILE against A's log (already verified):
 * same tree at its size. Returns 0, 1 tampered or unusable (printed). */
static int
ctl_audit_since(struct ctl_audit *a, const char *file)
{
	struct checkpoint c;
	uint8_t root[MERKLE_HASH_LEN];
	char *note = NULL;
	const char *body;
	size_t len = 0, bodylen;
	uint64_t size;
	FILE *f;
	int ret = 1;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "hashictl: %s: %s\n", file, strerror(errno));
		return 1;
	}
	if ((note = malloc(NOTE_MAX_LEN + 1)) != NULL)
		len = fread(note, 1, NOTE_MAX_LEN + 1, f);
	fclose(f);
	if (note == NULL || len > NOTE_MAX_LEN ||
	    note_verify(a->ca_v, note, len, &body, &bodylen) != 1 ||
	    checkpoint_parse(body, bodylen, &c) == -1) {
		fprintf(stderr, "hashictl: %s: not a checkpoint signed by the key of %s\n", file,
		    a->ca_vkey);
		goto done;
	}
	if ((a->ca_log = auditlog_open(a->ca_dir, CTL_AUDIT_MAPSIZE)) == NULL ||
	    auditlog_size(a->ca_log, &size) != AUDITLOG_OK) {
		fprintf(stderr, "hashictl: %s: cannot read the audit log\n", a->ca_dir);
		goto done;
	}
	if (c.size > size) {
		fprintf(stderr, "auditlog verify: TAMPERED: checkpoint %s was signed at tree size "
		    "%llu but the log has %llu records (rolled back or truncated)\n", file,
		    (unsigned long long)c.size, (unsigned long long)size);
		goto done;
	}
	if (auditlog_root(a->ca_log, c.size, root) != AUDITLOG_OK ||
	    CRYPTO_memcmp(root, c.root, MERKLE_HASH_LEN) != 0) {
		fprintf(stderr, "auditlog verify: TAMPERED: the log's first %llu records are not "
		    "those of checkpoint %s (forked or rewritten)\n", (unsigned long long)c.size,
		    file);
		goto done;
	}
	printf("auditlog verify: consistent with checkpoint %s (size %llu)\n", file,
	    (unsigned long long)c.size);
	ret = 0;
done:
	free(note);
	return ret;
}

/* What verify --witness counts. */
struct ctl_witness {
	const struct note_verifier	*cw_log;	/* the log's key */
	const struct note_verifier	*cw_witness;
	unsigned long			 cw_total, cw_cosigned;
	uint64_t			 cw_largest, cw_latest;
};

static int
ctl_audit_witness_one(void *arg, uint64_t size, const char *note, size_t len)
{
	struct ctl_witness *cw = arg;

	cw->cw_total++;
	cw->cw_latest = size;
	/* both over the same bytes: the witness signed this very checkpoint text */
	if (note_verify(cw->cw_log, note, len, NULL, NULL) == 1 &&
	    note_verify(cw->cw_witness, note, len, NULL, NULL) == 1) {
		cw->cw_cosigned++;
		cw->cw_largest = size;
	}
	return 0;
}

/* verify --witness FILE: counts the checkpoints of A's (verified) log that carry a valid
 * cosignature of the key in FILE. Returns 0, or 1 when none does (printed). */
static int
ctl_audit_witness(struct ctl_audit *a, const char *file)
{
	char line[CTL_AUDIT_VKEY_MAX], own[CTL_AUDIT_VKEY_MAX];
	struct ctl_witness cw;
	struct note_verifier *wv = NULL;
	int ret = 1, rc;

	memset(&cw, 0, sizeof(cw));
	if (ctl_audit_read_vkey(file, line, sizeof(line)) != 0)
		return 1;
	if ((wv = note_verifier_parse(line)) == NULL) {
		fprintf(stderr, "hashictl: %s:1: not an Ed25519 verifier key\n", file);
		return 1;
	}
	if (ctl_audit_read_vkey(a->ca_vkey, own, sizeof(own)) == 0 && strcmp(own, line) == 0) {
		fprintf(stderr, "hashictl: %s: this is the log's own key, not a witness\n", file);
		goto done;
	}
	if ((a->ca_log = auditlog_open(a->ca_dir, CTL_AUDIT_MAPSIZE)) == NULL) {
		fprintf(stderr, "hashictl: %s: cannot open the audit log\n", a->ca_dir);
		goto done;
	}
	cw.cw_log = a->ca_v;
	cw.cw_witness = wv;
	if ((rc = auditlog_checkpoint_each(a->ca_log, ctl_audit_witness_one, &cw)) !=
	    AUDITLOG_OK) {
		fprintf(stderr, "hashictl: %s: %s\n", a->ca_dir, auditlog_strerror(rc));
		goto done;
	}
	if (cw.cw_cosigned == 0) {
		fprintf(stderr, "auditlog verify: none of the %lu checkpoints carries a valid "
		    "cosignature of %s\n", cw.cw_total, file);
		goto done;
	}
	printf("auditlog verify: witness %s: %lu of %lu checkpoints co-signed, largest "
	    "co-signed size %llu (latest checkpoint %llu)\n", file, cw.cw_cosigned, cw.cw_total,
	    (unsigned long long)cw.cw_largest, (unsigned long long)cw.cw_latest);
	ret = 0;
done:
	note_verifier_free(wv);
	return ret;
}

/* Takes "--witness FILE" (or --witness=FILE) out of ARGV into *FILE and the other
 * arguments into OUT (room for ARGC). Returns their count, or -1 (printed). */
static int
ctl_audit_take_witness(int argc, char **argv, char **out, const char **file)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--witness=", 10) == 0)
			*file = argv[i] + 10;
		else if (strcmp(argv[i], "--witness") == 0 && i + 1 < argc)
			*file = argv[++i];
		else if (strcmp(argv[i], "--witness") == 0) {
			fprintf(stderr, "hashictl: audit verify: --witness needs a value\n");
			return -1;
		} else
			out[n++] = argv[i];
	}
	return n;
}

int
ctl_audit_verify(const struct config *cf, int argc, char **argv)
{
	char *report = NULL, **args;
	const char *witness = NULL;
	size_t rlen = 0;
	FILE *mem;
	struct ctl_audit a;
	int ret, rc, n;

	(void)cf;
	if ((args = calloc((size_t)argc + 1, sizeof(*args))) == NULL)
		return 1;
	if ((n = ctl_audit_take_witness(argc, argv, args, &witness)) == -1 ||
	    (ret = ctl_audit_args(&a, "verify", CA_DIR | CA_VKEY | CA_SINCE_CKPT, 0, n,
	    args)) != 0) {
		free(args);
		return 2;
	}
	/* the "audit log used" record names the whole command, --witness included */
	a.ca_argc = argc;
	a.ca_argv = argv;
	ret = 1;
	if (ctl_audit_open(&a) != 0)
		goto done;
	/* The verifier opens the environment itself: one handle per process. */
	auditlog_close(a.ca_log);
	a.ca_log = NULL;
	if ((mem = open_memstream(&report, &rlen)) == NULL)
		goto done;
	rc = auditlog_verify(a.ca_dir, a.ca_v, mem);
	fclose(mem);
	fputs(report != NULL ? report : "", rc == 0 ? stdout : stderr);
	if (rc == 0)
		ret = a.ca_since != NULL ? ctl_audit_since(&a, a.ca_since) : 0;
	if (ret == 0 && witness != NULL) {
		auditlog_close(a.ca_log);
		a.ca_log = NULL;
		ret = ctl_audit_witness(&a, witness);
	}
done:
	free(report);
	free(args);
	ctl_audit_done(&a);
	return ret;
}
