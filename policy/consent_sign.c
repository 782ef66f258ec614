/*
 * policy/consent_sign: see consent_sign.h. The document is written as text and then read
 * back with the gateway's own parser, so that a field the schema refuses is caught here,
 * with the parser's reason, instead of as a refusal at `hashictl consent add`.
 */
#include "policy/consent_sign.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/log.h"
#include "common/str.h"
#include "crypto/testpki.h"

#define JST_OFFSET	(9 * 3600)	/* documents are written in Japan time */
#define CS_FROM		1		/* cs_time: a from, a date when 00:00:00 */
#define CS_TO		2		/* cs_time: a to, a date when 23:59:59 */

/* Appends "INDENT<NAME>T</NAME>\n" with T in Japan time; WHICH as CS_FROM / CS_TO, or 0
 * for always a dateTime. */
static int
cs_time(struct strbuf *sb, const char *indent, const char *name, int64_t t, int which)
{
	struct tm tm;
	time_t jst;

	if (t > INT64_MAX - JST_OFFSET || t < INT64_MIN + JST_OFFSET)
		return -1;
	jst = (time_t)(t + JST_OFFSET);
	if (gmtime_r(&jst, &tm) == NULL)
		return -1;
	if ((which == CS_FROM && tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0) ||
	    (which == CS_TO && tm.tm_hour == 23 && tm.tm_min == 59 && tm.tm_sec == 59))
		return strbuf_printf(sb, "%s<%s>%04d-%02d-%02d</%s>\n", indent, name,
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, name);
	return strbuf_printf(sb, "%s<%s>%04d-%02d-%02dT%02d:%02d:%02d+09:00</%s>\n", indent,
	    name, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, name);
}

/* Appends "INDENT<NAME>S</NAME>\n", S escaped. */
static void
cs_leaf(struct strbuf *sb, const char *indent, const char *name, const char *s)
{
	strbuf_printf(sb, "%s<%s>", indent, name);
	strbuf_put_xml(sb, s);
	strbuf_printf(sb, "</%s>\n", name);
}

/* The <patient> element of the CX "id^^^&OID&ISO" (consent_doc's cd_patient form). */
static int
cs_patient(struct strbuf *sb, const char *cx)
{
	char id[MPI_ID_MAX], aa[MPI_ID_MAX];
	const char *sep = strstr(cx, "^^^&");
	size_t n;

	if (sep == NULL || (size_t)(sep - cx) >= sizeof(id) ||
	    (n = strlen(sep + 4)) <= 4 || strcmp(sep + 4 + n - 4, "&ISO") != 0 ||
	    n - 4 >= sizeof(aa))
		return -1;
	memcpy(id, cx, (size_t)(sep - cx));
	id[sep - cx] = '\0';
	memcpy(aa, sep + 4, n - 4);
	aa[n - 4] = '\0';
	strbuf_puts(sb, "  <patient>\n");
	cs_leaf(sb, "    ", "id", id);
	cs_leaf(sb, "    ", "assigningAuthority", aa);
	strbuf_puts(sb, "  </patient>\n");
	return 0;
}

/* "<OUTER><INNER>item</INNER>...</OUTER>" of N items STRIDE bytes apart from ITEMS. */
static void
cs_list(struct strbuf *sb, const char *outer, const char *inner, const char *items,
    size_t stride, size_t n)
{
	size_t i;

	strbuf_printf(sb, "    <%s>\n", outer);
	for (i = 0; i < n; i++)
		cs_leaf(sb, "      ", inner, items + i * stride);
	strbuf_printf(sb, "    </%s>\n", outer);
}

/* The <grant> element. */
static int
cs_grant(struct strbuf *sb, const struct consent_doc *d)
{
	strbuf_puts(sb, "  <grant>\n");
	if (d->cd_all_regions)
		strbuf_puts(sb, "    <regions>\n      <allParticipating/>\n    </regions>\n");
	else
		cs_list(sb, "regions", "community", d->cd_regions[0],
		    sizeof(d->cd_regions[0]), d->cd_nregions);
	cs_list(sb, "purposes", "purpose", d->cd_purposes[0], sizeof(d->cd_purposes[0]),
	    d->cd_npurposes);
	if (d->cd_nclasses > 0)
		cs_list(sb, "documentClasses", "class", d->cd_classes[0],
		    sizeof(d->cd_classes[0]), d->cd_nclasses);
	strbuf_puts(sb, "    <validity>\n");
	if (cs_time(sb, "      ", "from", d->cd_from, CS_FROM) == -1 ||
	    (d->cd_to != CONSENT_TIME_OPEN &&
	    cs_time(sb, "      ", "to", d->cd_to, CS_TO) == -1))
		return -1;
	strbuf_puts(sb, "    </validity>\n  </grant>\n");
	return 0;
}

/* Returns 1 when the N strings of A and B (STRIDE apart) are the same. */
static int
cs_same_list(const char *a, const char *b, size_t stride, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a + i * stride, b + i * stride) != 0)
			return 0;
	return 1;
}

/* Returns 1 when the parsed P says what D says (the fields consent_sign_doc reads). */
static int
cs_same(const struct consent_doc *d, const struct consent_doc *p)
{
	if (strcmp(d->cd_docid, p->cd_docid) != 0 || d->cd_issued != p->cd_issued ||
	    strcmp(d->cd_patient, p->cd_patient) != 0 || d->cd_action != p->cd_action)
		return 0;
	if (d->cd_action != CONSENT_GRANT)
		return 1;
	return !d->cd_all_regions == !p->cd_all_regions && d->cd_from == p->cd_from &&
	    d->cd_to == p->cd_to && d->cd_npurposes == p->cd_npurposes &&
	    d->cd_nclasses == p->cd_nclasses &&
	    (d->cd_all_regions || (d->cd_nregions == p->cd_nregions &&
	    cs_same_list(d->cd_regions[0], p->cd_regions[0], sizeof(d->cd_regions[0]),
	    d->cd_nregions))) &&
	    cs_same_list(d->cd_purposes[0], p->cd_purposes[0], sizeof(d->cd_purposes[0]),
	    d->cd_npurposes) &&
	    cs_same_list(d->cd_classes[0], p->cd_classes[0], sizeof(d->cd_classes[0]),
	    d->cd_nclasses);
}

/* Parses SB's document back and compares it with D. Returns 0, or -1 (logged). */
static int
cs_check(const struct strbuf *sb, const struct consent_doc *d)
{
	struct consent_doc_error err;
	struct consent_doc *p;
	int ret = -1;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if (consent_doc_parse((const uint8_t *)sb->sb_data, sb->sb_len, p, &err) != CDOC_OK)
		log_warnx("consent_sign: the document would be refused: <%s>: %s",
		    err.ce_element, err.ce_text);
	else if (!cs_same(d, p))
		log_warnx("consent_sign: the document does not say what was asked (a value "
		    "the parser reads differently)");
	else
		ret = 0;
	free(p);
	return ret;
}

int
consent_sign_doc(const struct consent_doc *d, uint8_t **out, size_t *outlen)
{
	struct strbuf sb = { 0 };
	int ret = -1;

	*out = NULL;
	*outlen = 0;
	if (d == NULL || (d->cd_action != CONSENT_GRANT && d->cd_action != CONSENT_WITHDRAW) ||
	    d->cd_nregions > CONSENT_REGIONS_MAX || d->cd_npurposes > CONSENT_PURPOSES_MAX ||
	    d->cd_nclasses > CONSENT_CLASSES_MAX) {
		log_warnx("consent_sign: no action, or more items than a document holds");
		return -1;
	}
	strbuf_puts(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<consent xmlns=\"" CONSENT_NS "\">\n");
	if (d->cd_docid[0] != '\0')
		cs_leaf(&sb, "  ", "documentId", d->cd_docid);
	if (cs_time(&sb, "  ", "issued", d->cd_issued, 0) == -1 ||
	    cs_patient(&sb, d->cd_patient) == -1 ||
	    (d->cd_action == CONSENT_GRANT ? cs_grant(&sb, d) :
	    strbuf_puts(&sb, "  <withdraw/>\n")) == -1) {
		log_warnx("consent_sign: patient is not \"id^^^&OID&ISO\", or a time is out "
		    "of range");
		goto done;
	}
	strbuf_puts(&sb, "</consent>\n");
	if (sb.sb_failed) {
		log_warnx("consent_sign: out of memory");
		goto done;
	}
	if (cs_check(&sb, d) == -1)
		goto done;
	*outlen = sb.sb_len;
	*out = (uint8_t *)strbuf_take(&sb, NULL);
	ret = 0;
done:
	strbuf_reset(&sb);
	return ret;
}

/* Writes DATA[0..LEN) to the new file PATH, mode 0600 (an old one unlinked first). */
static int
cs_write(const char *path, const uint8_t *data, size_t len)
{
	int fd, ret = -1;

	if ((unlink(path) == -1 && errno != ENOENT) ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600))
	    == -1) {
		log_warn("consent_sign: %s", path);
		return -1;
	}
	if (fdio_write_all(fd, data, len) == -1)
		log_warn("consent_sign: %s", path);
	else
		ret = 0;
	if (close(fd) == -1 && ret == 0) {
		log_warn("consent_sign: %s", path);
		ret = -1;
	}
	if (ret == -1)
		unlink(path);
	return ret;
}

int
consent_sign_files(const struct consent_doc *d, const char *carddir, const char *card,
    time_t when, int flags, const char *out)
{
	char path[PATH_MAX];
	uint8_t *doc = NULL, *sig = NULL;
	size_t doclen, siglen;
	int n, ret = -1;

	if (out == NULL || (n = snprintf(path, sizeof(path), "%s.%s", out,
	    (flags & TESTPKI_SIGN_ATTACHED) ? "p7m" : "p7s")) < 0 ||
	    (size_t)n >= sizeof(path)) {
		log_warnx("consent_sign: no output file, or its name is too long");
		return -1;
	}
	if (consent_sign_doc(d, &doc, &doclen) == -1 ||
	    testpki_jpki_sign(carddir, card, doc, doclen, when, flags, &sig, &siglen) == -1 ||
	    cs_write(out, doc, doclen) == -1 || cs_write(path, sig, siglen) == -1)
		goto done;
	ret = 0;
done:
	free(doc);
	free(sig);
	return ret;
}
