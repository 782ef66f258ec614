/* gateway/consent_trust: see consent_trust.h. */
#include "gateway/consent_trust.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* Reads file PATH whole (at most MAX bytes) into *DATA (malloc'd) and *LEN. Returns 0, or
 * -1 after saying why. */
int
consent_file_read(const char *path, size_t max, uint8_t **data, size_t *len)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	FILE *f;
	int ret = -1;

	*data = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		log_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	/* one byte more than allowed tells "too large" from "exactly the limit" */
	if ((buf = malloc(max + 1)) == NULL) {
		log_warnx("%s: out of memory", path);
		goto done;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		log_warnx("%s: read error", path);
		goto done;
	}
	if (n > max || n == 0) {
		log_warnx("%s: %s", path, n == 0 ? "empty" : "too large");
		goto done;
	}
	*data = buf;
	*len = n;
	buf = NULL;
	ret = 0;
done:
	free(buf);
	fclose(f);
	return ret;
}

/* Adds every CRL file of DIR to T. A missing DIR is no CRL. Returns 0, or -1 after saying
 * which file is unusable: registering without a CRL we were given would fail open. */
static int
consent_trust_crls(struct jpki_trust *t, const char *dir)
{
	char path[CONSENT_PATH_MAX];
	struct dirent *de;
	uint8_t *data;
	size_t len;
	DIR *d;
	int n, ret = -1;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_warnx("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (consent_file_read(path, CONSENT_CRL_MAX, &data, &len) == -1)
			goto done;
		n = jpki_trust_add_crl(t, data, len);
		free(data);
		if (n == -1) {
			log_warnx("%s: unusable CRL (not signed by a configured "
			    "root?); remove it", path);
			goto done;
		}
	}
	ret = 0;
done:
	closedir(d);
	return ret;
}

/* Builds the trust of CF: roots, required policy, kept CRLs. NULL after saying why. */
struct jpki_trust *
consent_trust_load(const struct config *cf)
{
	char dir[CONSENT_PATH_MAX];
	struct jpki_trust *t;
	int n;

	if (cf->cf_consent_jpki_roots == NULL) {
		log_warnx("consent.jpki_roots is not set in %s: consents cannot "
		    "be registered without the JPKI signing roots", cf->cf_file);
		return NULL;
	}
	if ((t = jpki_trust_new()) == NULL) {
		log_warnx("out of memory");
		return NULL;
	}
	if (jpki_trust_add_roots(t, cf->cf_consent_jpki_roots) == -1) {
		log_warnx("consent.jpki_roots %s: no usable root certificate",
		    cf->cf_consent_jpki_roots);
		goto fail;
	}
	if (jpki_trust_require_policy(t, cf->cf_consent_policy_oid) == -1) {
		log_warnx("consent.policy_oid %s is not usable",
		    cf->cf_consent_policy_oid);
		goto fail;
	}
	n = snprintf(dir, sizeof(dir), "%s/policy/crl", cf->cf_state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		log_warnx("state_dir path too long");
		goto fail;
	}
	if (consent_trust_crls(t, dir) == -1)
		goto fail;
	return t;
fail:
	jpki_trust_free(t);
	return NULL;
}

