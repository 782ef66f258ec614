/* Unit tests for gateway/mtom: Content-Type parsing, the writer pieces, and the streaming
 * reader fed in every possible split (boundaries cut across feeds), LF-only input,
 * malformed framing, and bounded buffering of large parts; then MTOM messages through
 * soap_parse: the NIST ITI-41 capture and our own writer's output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/actions.h"
#include "gateway/mtom.h"
#include "gateway/soap.h"

#include "tests/unit/conformance.h"

#define MAXP	8

/* Everything the reader reported, for comparing runs fed in different splits. */
struct collect {
	int		 nparts;
	char		 ct[MAXP][128];
	char		 cid[MAXP][128];
	struct strbuf	 data[MAXP];
	int		 open;		/* 1 between begin and end */
	int		 events_bad;	/* begin/data/end out of order */
	size_t		 delivered;
	int		 abort_at_begin;
};

static int
c_begin(void *arg, const struct mtom_part_info *pi)
{
	struct collect *c = arg;

	if (c->abort_at_begin)
		return -1;
	if (c->open || c->nparts == MAXP)
		c->events_bad = 1;
	else {
		snprintf(c->ct[c->nparts], sizeof(c->ct[0]), "%s",
		    pi->pi_content_type ? pi->pi_content_type : "(none)");
		snprintf(c->cid[c->nparts], sizeof(c->cid[0]), "%s",
		    pi->pi_content_id ? pi->pi_content_id : "(none)");
		c->nparts++;
	}
	c->open = 1;
	return 0;
}

static int
c_data(void *arg, const uint8_t *d, size_t n)
{
	struct collect *c = arg;

	if (!c->open || n == 0)
		c->events_bad = 1;
	else
		strbuf_add(&c->data[c->nparts - 1], d, n);
	c->delivered += n;
	return 0;
}

static int
c_end(void *arg)
{
	struct collect *c = arg;

	if (!c->open)
		c->events_bad = 1;
	c->open = 0;
	return 0;
}

static const struct mtom_callbacks cbs = { c_begin, c_data, c_end };

static void
c_free(struct collect *c)
{
	int i;

	for (i = 0; i < MAXP; i++)
		strbuf_reset(&c->data[i]);
}

static void
c_same(const struct collect *a, const struct collect *b)
{
	int i;

	assert_int_equal(a->events_bad, 0);
	assert_int_equal(b->events_bad, 0);
	assert_int_equal(a->nparts, b->nparts);
	for (i = 0; i < a->nparts; i++) {
		assert_string_equal(a->ct[i], b->ct[i]);
		assert_string_equal(a->cid[i], b->cid[i]);
		assert_int_equal(a->data[i].sb_len, b->data[i].sb_len);
		if (a->data[i].sb_len > 0)
			assert_memory_equal(a->data[i].sb_data, b->data[i].sb_data,
			    a->data[i].sb_len);
	}
}

/* Feeds MSG in pieces whose sizes come from NEXT (0 = all at once). Returns finish rc. */
static int
feed_split(const char *boundary, const uint8_t *msg, size_t len, size_t (*next)(size_t),
    struct collect *c)
{
	struct mtom_reader *r = mtom_reader_new(boundary, &cbs, c);
	size_t off = 0, n;
	int rc = 0;

	assert_non_null(r);
	while (off < len && rc == 0) {
		n = next != NULL ? next(len - off) : len - off;
		if (n > len - off)
			n = len - off;
		rc = mtom_reader_feed(r, msg + off, n);
		off += n;
	}
	if (rc == 0)
		rc = mtom_reader_finish(r);
	mtom_reader_free(r);
	return rc;
}

static size_t one(size_t left) { (void)left; return 1; }
static size_t rnd(size_t left) { (void)left; return 1 + (size_t)(rand() % 300); }

#define B "MIMEBoundary_0123456789abcdef"

/* A message with the awkward cases: data holding "--boundary" prefixes and CRs, an
 * empty part, binary bytes, a part ending in CR, folded header, transport padding. */
static void
tricky_message(struct strbuf *sb, uint8_t *bin, size_t nbin)
{
	size_t i;

	for (i = 0; i < nbin; i++)
		bin[i] = (uint8_t)(i * 37 + 11);
	bin[5] = '\r';
	bin[6] = '\n';
	bin[7] = '-';
	bin[8] = '-';
	/* Prefixes of the delimiter inside data (a full "--boundary" line start would be
	 * illegal, RFC 2046 §5.1.1). */
	assert_int_equal(mtom_root_part(sb, B, "root@x", "<env>\r\n--MIMEBoundary_012345678"
	    "\r\n\r\n-" B "\n--MIMEBoundary_0123</env>"), 0);
	assert_int_equal(mtom_part_header(sb, B, "bin@x", "application/octet-stream"), 0);
	strbuf_add(sb, bin, nbin);
	assert_int_equal(mtom_part_header(sb, B, "empty@x", "text/plain"), 0);
	/* A hand-made part: folded Content-Type, padding after the delimiter, data = "\r". */
	strbuf_puts(sb, "\r\n--" B " \t\r\nContent-Type: text/plain;\r\n charset=UTF-8\r\n"
	    "X-Other: ignored\r\nContent-ID:   <cr@x>  \r\n\r\n\r");
	assert_int_equal(mtom_end(sb, B), 0);
}

static void
test_reader_splits(void **state)
{
	struct strbuf sb = { 0 };
	uint8_t bin[3000];
	struct collect ref = { 0 }, c;
	size_t i, len;
	int iter;

	(void)state;
	tricky_message(&sb, bin, sizeof(bin));
	len = sb.sb_len;
	assert_int_equal(feed_split(B, (uint8_t *)sb.sb_data, len, NULL, &ref), 0);
	assert_int_equal(ref.nparts, 4);
	assert_string_equal(ref.cid[0], "root@x");
	assert_string_equal(ref.ct[0],
	    "application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"");
	assert_int_equal(ref.data[1].sb_len, sizeof(bin));
	assert_memory_equal(ref.data[1].sb_data, bin, sizeof(bin));
	assert_int_equal(ref.data[2].sb_len, 0);
	assert_string_equal(ref.ct[3], "text/plain; charset=UTF-8");
	assert_string_equal(ref.cid[3], "cr@x");
	assert_int_equal(ref.data[3].sb_len, 1);
	assert_int_equal(ref.data[3].sb_data[0], '\r');

	memset(&c, 0, sizeof(c));
	assert_int_equal(feed_split(B, (uint8_t *)sb.sb_data, len, one, &c), 0);
	c_same(&ref, &c);
	c_free(&c);
	/* Two feeds split at every position: every delimiter is cut at every byte. */
	for (i = 0; i <= len; i++) {
		struct mtom_reader *r;

		memset(&c, 0, sizeof(c));
		r = mtom_reader_new(B, &cbs, &c);
		assert_int_equal(mtom_reader_feed(r, (uint8_t *)sb.sb_data, i), 0);
		assert_int_equal(mtom_reader_feed(r, (uint8_t *)sb.sb_data + i, len - i), 0);
		assert_int_equal(mtom_reader_finish(r), 0);
		mtom_reader_free(r);
		c_same(&ref, &c);
		c_free(&c);
	}
	srand(4242);
	for (iter = 0; iter < 300; iter++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(feed_split(B, (uint8_t *)sb.sb_data, len, rnd, &c), 0);
		c_same(&ref, &c);
		c_free(&c);
	}
	c_free(&ref);
	strbuf_reset(&sb);
}

/* The NIST capture's framing: bare LF, padded lines, unquoted boundary, preamble. */
static void
test_reader_lf_only(void **state)
{
	static const char msg[] =
	    "preamble text\n--bnd \n"
	    "Content-Type: application/xop+xml; type=\"application/soap+xml\" \n"
	    "Content-ID: <0.a@b> \n"
	    "\n<e/>\n--bnd \nContent-Type: text/plain \nContent-ID: <1.a@b> \n\n"
	    "Four score\nand seven\n--bnd--";
	struct collect ref = { 0 }, c = { 0 };

	(void)state;
	assert_int_equal(feed_split("bnd", (const uint8_t *)msg, sizeof(msg) - 1, NULL,
	    &ref), 0);
	assert_int_equal(ref.nparts, 2);
	assert_string_equal(ref.cid[1], "1.a@b");
	assert_string_equal(ref.ct[1], "text/plain");
	assert_int_equal(ref.data[0].sb_len, 4);
	assert_memory_equal(ref.data[0].sb_data, "<e/>", 4);
	assert_int_equal(ref.data[1].sb_len, 20);
	assert_memory_equal(ref.data[1].sb_data, "Four score\nand seven", 20);
	assert_int_equal(feed_split("bnd", (const uint8_t *)msg, sizeof(msg) - 1, one, &c), 0);
	c_same(&ref, &c);
	c_free(&c);
	c_free(&ref);
}

static int
feed_str(const char *boundary, const char *msg, struct collect *c, const char **err)
{
	struct mtom_reader *r = mtom_reader_new(boundary, &cbs, c);
	int rc;

	assert_non_null(r);
	rc = mtom_reader_feed(r, (const uint8_t *)msg, strlen(msg));
	if (rc == 0)
		rc = mtom_reader_finish(r);
	*err = mtom_reader_error(r);
	if (*err == NULL)
		*err = "";
	mtom_reader_free(r);
	return rc;
}

static void
test_reader_errors(void **state)
{
	struct collect c;
	const char *err;
	struct strbuf big = { 0 };
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed_str("b", "--b\r\nContent-ID: <x>\r\n\r\ndata", &c, &err), -1);
	assert_string_equal(err, "truncated multipart body");
	c_free(&c);
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed_str("b", "--bX\r\n\r\ndata\r\n--b--", &c, &err), -1);
	assert_string_equal(err, "malformed MIME boundary line");
	c_free(&c);
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed_str("b", "--b\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "QQ==\r\n--b--", &c, &err), -1);
	assert_string_equal(err, "unsupported Content-Transfer-Encoding");
	c_free(&c);
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed_str("b", "--b\r\nno colon here\r\n\r\nx\r\n--b--", &c, &err),
	    -1);
	assert_string_equal(err, "malformed MIME part header");
	c_free(&c);
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed_str("b", "--b\r\nContent-ID: <1>\r\nContent-ID: <2>\r\n\r\nx"
	    "\r\n--b--", &c, &err), -1);
	assert_string_equal(err, "repeated MIME part header");
	c_free(&c);
	memset(&c, 0, sizeof(c));
	c.abort_at_begin = 1;
	assert_int_equal(feed_str("b", "--b\r\n\r\nx\r\n--b--", &c, &err), -1);
	assert_string_equal(err, "multipart processing aborted");
	c_free(&c);
	/* Endless headers are cut off at the header limit, not buffered. */
	strbuf_puts(&big, "--b\r\n");
	for (i = 0; i < 2000; i++)
		strbuf_puts(&big, "X-Filler: 0123456789\r\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(feed_str("b", big.sb_data, &c, &err), -1);
	assert_string_equal(err, "MIME part headers too large");
	c_free(&c);
	strbuf_reset(&big);
	assert_null(mtom_reader_new("", &cbs, NULL));
	assert_null(mtom_reader_new("0123456789012345678901234567890123456789"
	    "01234567890123456789012345678901", &cbs, NULL));	/* 72 chars */
}

/* A 6 MiB part fed in 64 KiB chunks is passed on as it arrives: after every feed all but
 * a delimiter's length of it has been delivered. */
static void
test_reader_streams(void **state)
{
	struct collect c = { 0 };
	struct strbuf head = { 0 };
	struct mtom_reader *r;
	uint8_t *chunk;
	size_t total = (size_t)6 << 20, fed = 0, n;
	size_t dlen = 3 + strlen(B);

	(void)state;
	assert_int_equal(mtom_part_header(&head, B, "big@x", NULL), 0);
	r = mtom_reader_new(B, &cbs, &c);
	/* mtom_part_header starts with the CRLF that ends a previous part: skip it. */
	assert_int_equal(mtom_reader_feed(r, (uint8_t *)head.sb_data + 2, head.sb_len - 2), 0);
	chunk = malloc(65536);
	memset(chunk, 'z', 65536);
	while (fed < total) {
		n = 65536;
		assert_int_equal(mtom_reader_feed(r, chunk, n), 0);
		fed += n;
		assert_true(c.delivered + dlen >= fed);
	}
	strbuf_reset(&head);
	assert_int_equal(mtom_end(&head, B), 0);
	assert_int_equal(mtom_reader_feed(r, (uint8_t *)head.sb_data, head.sb_len), 0);
	assert_int_equal(mtom_reader_finish(r), 0);
	assert_int_equal(c.delivered, total);
	assert_int_equal(c.data[0].sb_len, total);
	mtom_reader_free(r);
	free(chunk);
	strbuf_reset(&head);
	c_free(&c);
}

static void
test_ct_parse(void **state)
{
	struct mtom_ct ct;

	(void)state;
	assert_int_equal(mtom_ct_parse("multipart/related; boundary=MIMEBoundaryurn_uuid_3D4B;"
	    " type=\"application/xop+xml\"; start=\"<0.urn:uuid:3D@apache.org>\"; "
	    "start-info=\"application/soap+xml\"; action=\"urn:ihe:iti:2007:"
	    "ProvideAndRegisterDocumentSet-b\"", &ct), 0);
	assert_string_equal(ct.ct_type, "multipart/related");
	assert_string_equal(ct.ct_boundary, "MIMEBoundaryurn_uuid_3D4B");
	assert_string_equal(ct.ct_xtype, "application/xop+xml");
	assert_string_equal(ct.ct_start, "<0.urn:uuid:3D@apache.org>");
	assert_string_equal(ct.ct_start_info, "application/soap+xml");
	assert_string_equal(ct.ct_action, "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b");
	assert_int_equal(mtom_ct_parse("Application/SOAP+XML;CHARSET=utf-8;;"
	    " Action=\"a\\\"b\";", &ct), 0);
	assert_string_equal(ct.ct_type, "application/soap+xml");
	assert_string_equal(ct.ct_charset, "utf-8");
	assert_string_equal(ct.ct_action, "a\"b");
	assert_int_equal(mtom_ct_parse("application/soap+xml; action=a; action=b", &ct), -1);
	assert_int_equal(mtom_ct_parse("application/soap+xml; action=\"open", &ct), -1);
	assert_int_equal(mtom_ct_parse("application", &ct), -1);
	assert_int_equal(mtom_ct_parse("application/soap+xml junk", &ct), -1);
	assert_int_equal(mtom_ct_parse("", &ct), -1);
	assert_int_equal(mtom_ct_parse(NULL, &ct), -1);
	assert_true(mtom_ct_is("application/soap+xml; action=\"x\"", "application/soap+xml"));
	assert_true(mtom_ct_is(" APPLICATION/XOP+XML", "application/xop+xml"));
	assert_false(mtom_ct_is("application/soap+xmlx", "application/soap+xml"));
}

static void
test_writer(void **state)
{
	struct strbuf sb = { 0 };
	char b[64], cid[64];

	(void)state;
	assert_int_equal(mtom_boundary_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(b), 45);
	assert_int_equal(mtom_boundary_new(b, 20), -1);
	assert_int_equal(mtom_cid_new(cid, sizeof(cid)), 0);
	assert_non_null(strstr(cid, "@hashi"));
	assert_int_equal(mtom_content_type(&sb, "bd", "r@x", "urn:a"), 0);
	assert_string_equal(sb.sb_data, "multipart/related; boundary=\"bd\"; "
	    "type=\"application/xop+xml\"; start=\"<r@x>\"; start-info=\"application/soap+xml\"; "
	    "action=\"urn:a\"");
	strbuf_reset(&sb);
	assert_int_equal(mtom_root_part(&sb, "bd", "r@x", "<e/>"), 0);
	assert_int_equal(mtom_part_header(&sb, "bd", "d@x", "text/xml"), 0);
	strbuf_puts(&sb, "DATA");
	assert_int_equal(mtom_end(&sb, "bd"), 0);
	assert_string_equal(sb.sb_data, "--bd\r\nContent-Type: application/xop+xml; "
	    "charset=UTF-8; type=\"application/soap+xml\"\r\nContent-Transfer-Encoding: binary\r\n"
	    "Content-ID: <r@x>\r\n\r\n<e/>\r\n--bd\r\nContent-Type: text/xml\r\n"
	    "Content-Transfer-Encoding: binary\r\nContent-ID: <d@x>\r\n\r\nDATA\r\n--bd--\r\n");
	strbuf_reset(&sb);
	/* Header injection and bad boundaries are refused. */
	assert_int_equal(mtom_content_type(&sb, "bd", "r@x", "urn:a\"; x=\"y"), -1);
	assert_int_equal(mtom_content_type(&sb, "bd", "r>\r\nX: y", NULL), -1);
	assert_int_equal(mtom_part_header(&sb, "b\r\nd", "d@x", NULL), -1);
	assert_int_equal(mtom_part_header(&sb, "bd", "d@x", "text/plain\r\nX: y"), -1);
	assert_int_equal(mtom_end(&sb, "ends with space "), -1);
	strbuf_reset(&sb);
}

static void
test_cid_href(void **state)
{
	struct strbuf sb = { 0 };
	char out[64];
	const char *href;

	(void)state;
	assert_int_equal(mtom_put_include(&sb, "1.doc/a%b&c@hashi"), 0);
	assert_string_equal(sb.sb_data, "<xop:Include xmlns:xop=\"" MTOM_XOP_NS "\" "
	    "href=\"cid:1.doc%2Fa%25b%26c@hashi\"/>");
	href = strstr(sb.sb_data, "cid:");
	assert_int_equal(mtom_cid_from_href("cid:1.doc%2Fa%25b%26c@hashi", out, sizeof(out)), 0);
	assert_string_equal(out, "1.doc/a%b&c@hashi");
	assert_non_null(href);
	assert_int_equal(mtom_cid_from_href("CID:x@y", out, sizeof(out)), 0);
	assert_string_equal(out, "x@y");
	assert_int_equal(mtom_cid_from_href("http://x", out, sizeof(out)), -1);
	assert_int_equal(mtom_cid_from_href("cid:", out, sizeof(out)), -1);
	assert_int_equal(mtom_cid_from_href("cid:a%2", out, sizeof(out)), -1);
	assert_int_equal(mtom_cid_from_href("cid:a%00b", out, sizeof(out)), -1);
	assert_int_equal(mtom_cid_from_href("cid:abcdef", out, 4), -1);
	strbuf_reset(&sb);
}

static void
test_parse_whole(void **state)
{
	struct strbuf sb = { 0 };
	uint8_t bin[100];
	struct mtom_part *parts;
	size_t n;
	const char *err;

	(void)state;
	tricky_message(&sb, bin, sizeof(bin));
	assert_int_equal(mtom_parse((uint8_t *)sb.sb_data, sb.sb_len, B, 0, &parts, &n, &err),
	    0);
	assert_int_equal(n, 4);
	assert_string_equal(parts[1].mp_cid, "bin@x");
	assert_int_equal(parts[1].mp_len, sizeof(bin));
	assert_memory_equal(parts[1].mp_data, bin, sizeof(bin));
	assert_null(parts[2].mp_data);
	assert_int_equal(parts[2].mp_len, 0);
	mtom_parts_free(parts, n);
	assert_int_equal(mtom_parse((uint8_t *)sb.sb_data, sb.sb_len, B, 3, &parts, &n, &err),
	    -1);
	assert_string_equal(err, "too many MIME parts");
	assert_null(parts);
	assert_int_equal(mtom_parse((uint8_t *)sb.sb_data, sb.sb_len - 5, B, 0, &parts, &n,
	    &err), -1);
	assert_string_equal(err, "truncated multipart body");
	assert_int_equal(mtom_parse((uint8_t *)sb.sb_data, sb.sb_len, "other", 0, &parts, &n,
	    &err), -1);	/* wrong boundary: no delimiter at all */
	strbuf_reset(&sb);
}


/* ---- MTOM through soap_parse ---- */

#define XDSB_NS	"urn:ihe:iti:xds-b:2007"
#define H_STD	"<wsa:Action env:mustUnderstand=\"1\">" ACTION_ITI38 "</wsa:Action>"
#define B_STD	"<q:AdhocQueryRequest xmlns:q=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\"/>"

static char *
env(const char *headers, const char *body)
{
	struct strbuf sb = { 0 };

	strbuf_printf(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><env:Envelope xmlns:env="
	    "\"%s\" xmlns:wsa=\"%s\"><env:Header>%s</env:Header><env:Body>%s</env:Body>"
	    "</env:Envelope>", SOAP_NS_ENV, SOAP_NS_WSA, headers, body);
	return strbuf_take(&sb, NULL);
}

/* The NIST ITI-41 MTOM capture: bare-LF framing, attachment referenced by xop:Include. */
static void
test_mtom_sample(void **state)
{
	static const char cid[] = "1.urn:uuid:3D4B161591CD1DEC0C1286850962319@apache.org";
	size_t len, n;
	char *raw = conformance_read("samples/nist-toolkit/http-mtom-pnr.txt", &len);
	char *hend = strstr(raw, "\n\n"), *ct, *e, *body, *exp_start, *exp_end;
	struct soap_msg *m;
	struct soap_fault f;
	const struct mtom_part *p;
	const uint8_t *d;
	xmlNodePtr doc;

	(void)state;
	assert_non_null(hend);
	*hend = '\0';
	body = hend + 2;
	assert_non_null(ct = strstr(raw, "\nContent-Type:"));
	ct += strlen("\nContent-Type:");
	e = strchr(ct, '\n');
	*e = '\0';
	while (e > ct && (e[-1] == ' ' || e[-1] == '\r'))
		*--e = '\0';
	/* Expected bytes, located independently: after the part's blank line, up to the LF
	 * before the closing delimiter. */
	assert_non_null(exp_start = strstr(body, cid));
	exp_start = strstr(exp_start, "\n\n") + 2;
	assert_non_null(exp_end = strstr(exp_start,
	    "\n--MIMEBoundaryurn_uuid_3D4B161591CD1DEC0C1286850962202--"));

	if (soap_parse((uint8_t *)body, len - (size_t)(body - raw), ct, NULL, &m, &f) != 0)
		fail_msg("MTOM sample: %s", f.sf_reason);
	assert_true(soap_msg_is_mtom(m));
	assert_int_equal(soap_msg_txn(m), TXN_ITI41);
	assert_string_equal(soap_msg_wsa(m)->wa_action, ACTION_ITI41);
	assert_non_null(p = soap_attachment(m, cid));
	assert_string_equal(p->mp_content_type, "text/plain");
	assert_null(soap_attachment(m, "0.urn:uuid:3D4B161591CD1DEC0C1286850962203@apache.org"));
	doc = xml_child(soap_msg_payload(m), XDSB_NS, "Document");
	assert_int_equal(soap_element_bytes(m, doc, &d, &n), 0);
	assert_int_equal(n, (size_t)(exp_end - exp_start));
	assert_memory_equal(d, exp_start, n);
	assert_int_equal(memcmp(d, "Four score and seven years ago", 30), 0);
	soap_msg_free(m);
	free(raw);
}

/* MTOM built with our writer, CRLF framing, a cid that needs percent-encoding. */
static void
test_mtom_roundtrip(void **state)
{
	struct strbuf ctb = { 0 }, msg = { 0 }, body = { 0 };
	char b[64], root[64];
	uint8_t bin[1000];
	const char *cid = "doc/1%x@hashi";
	struct soap_msg *m;
	struct soap_fault f;
	const uint8_t *d;
	size_t n, i;
	char *envx;

	(void)state;
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(mtom_boundary_new(b, sizeof(b)), 0);
	assert_int_equal(mtom_cid_new(root, sizeof(root)), 0);
	strbuf_puts(&body, "<x:Doc xmlns:x=\"urn:x\">");
	assert_int_equal(mtom_put_include(&body, cid), 0);
	strbuf_puts(&body, "</x:Doc>");
	envx = env(H_STD, body.sb_data);
	assert_int_equal(mtom_content_type(&ctb, b, root, ACTION_ITI38), 0);
	assert_int_equal(mtom_root_part(&msg, b, root, envx), 0);
	assert_int_equal(mtom_part_header(&msg, b, cid, "application/pdf"), 0);
	strbuf_add(&msg, bin, sizeof(bin));
	assert_int_equal(mtom_end(&msg, b), 0);
	if (soap_parse((uint8_t *)msg.sb_data, msg.sb_len, ctb.sb_data, NULL, &m, &f) != 0)
		fail_msg("%s", f.sf_reason);
	assert_int_equal(soap_element_bytes(m, soap_msg_payload(m), &d, &n), 0);
	assert_int_equal(n, sizeof(bin));
	assert_memory_equal(d, bin, n);
	soap_msg_free(m);
	/* Dangling include: the attachment is missing. */
	strbuf_reset(&msg);
	mtom_root_part(&msg, b, root, envx);
	mtom_end(&msg, b);
	assert_int_equal(soap_parse((uint8_t *)msg.sb_data, msg.sb_len, ctb.sb_data, NULL, &m,
	    &f), -1);
	assert_non_null(strstr(f.sf_reason, "xop:Include"));
	/* The start parameter names a part that does not exist. */
	strbuf_reset(&ctb);
	mtom_content_type(&ctb, b, "nope@x", NULL);
	assert_int_equal(soap_parse((uint8_t *)msg.sb_data, msg.sb_len, ctb.sb_data, NULL, &m,
	    &f), -1);
	assert_non_null(strstr(f.sf_reason, "start part"));
	/* Without start the first part is the root. */
	strbuf_reset(&msg);
	strbuf_reset(&ctb);
	free(envx);
	envx = env(H_STD, B_STD);
	mtom_root_part(&msg, b, root, envx);
	mtom_end(&msg, b);
	strbuf_printf(&ctb, "multipart/related; boundary=%s; type=\"application/xop+xml\"", b);
	assert_int_equal(soap_parse((uint8_t *)msg.sb_data, msg.sb_len, ctb.sb_data, NULL, &m,
	    &f), 0);
	soap_msg_free(m);
	/* XXE inside the root part is refused like in a plain message. */
	{
		struct strbuf x = { 0 };

		mtom_root_part(&x, b, root, "<!DOCTYPE e [<!ENTITY xxe SYSTEM \"file:///etc/"
		    "passwd\">]><env:Envelope xmlns:env=\"" SOAP_NS_ENV "\"><env:Body><x>&xxe;"
		    "</x></env:Body></env:Envelope>");
		mtom_end(&x, b);
		assert_int_equal(soap_parse((uint8_t *)x.sb_data, x.sb_len, ctb.sb_data, NULL,
		    &m, &f), -1);
		assert_int_equal(f.sf_code, SOAP_FAULT_SENDER);
		assert_non_null(strstr(f.sf_reason, "DTD"));
		assert_null(strstr(f.sf_reason, "root:"));
		strbuf_reset(&x);
	}
	/* Wrong multipart type parameter. */
	strbuf_reset(&ctb);
	strbuf_printf(&ctb, "multipart/related; boundary=%s; type=\"text/xml\"", b);
	assert_int_equal(soap_parse((uint8_t *)msg.sb_data, msg.sb_len, ctb.sb_data, NULL, &m,
	    &f), -1);
	assert_int_equal(soap_fault_http_status(&f), 415);
	free(envx);
	strbuf_reset(&msg);
	strbuf_reset(&ctb);
	strbuf_reset(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_parse),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_cid_href),
		cmocka_unit_test(test_reader_splits),
		cmocka_unit_test(test_reader_lf_only),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_reader_streams),
		cmocka_unit_test(test_parse_whole),
		cmocka_unit_test(test_mtom_sample),
		cmocka_unit_test(test_mtom_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
