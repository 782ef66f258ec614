/*
 * tests/unit/test_retrieve_mem: the retrieve answer re-packaged from documents in memory
 * (gateway/retrieve_mem). Peer answers are real MTOM messages parsed by the SOAP layer; the
 * produced body is pulled in small pieces and parsed back, so the listing, the Content-IDs,
 * the parts, the status and the RegistryErrors are all checked end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"
#include "gateway/mtom.h"
#include "gateway/regerr.h"
#include "gateway/retrieve_mem.h"
#include "gateway/soap.h"

#define HOME		"urn:oid:1.2.392.200119.6.1002"
#define OTHER_HOME	"urn:oid:9.9.9"
#define REPO		"1.2.392.200119.6.1002.2"
#define RELATES		"urn:uuid:0f6e2c0c-1111-4222-8333-444455556666"
#define PEER_B		"MIMEBoundary_peer_0123456789"
#define HELLO		"hello, world"
#define HELLO_B64	"aGVsbG8s\n IHdvcmxk"	/* white space is allowed in base64Binary */

static uint8_t bin[3000];	/* holds CR, LF and "--" sequences */

/* ---- building peer answers ---- */

/* Appends a DocumentResponse; DOC is the Document element's content, NULL = no Document;
 * any other argument NULL = that element left out. */
static void
put_dr(struct strbuf *sb, const char *repo, const char *uid, const char *mime,
    const char *doc)
{
	strbuf_puts(sb, "<xdsb:DocumentResponse><xdsb:HomeCommunityId>" OTHER_HOME
	    "</xdsb:HomeCommunityId>");
	if (repo != NULL)
		strbuf_printf(sb, "<xdsb:RepositoryUniqueId>%s</xdsb:RepositoryUniqueId>", repo);
	if (uid != NULL)
		strbuf_printf(sb, "<xdsb:DocumentUniqueId>%s</xdsb:DocumentUniqueId>", uid);
	if (mime != NULL) {
		strbuf_puts(sb, "<xdsb:mimeType>");
		strbuf_put_xml(sb, mime);
		strbuf_puts(sb, "</xdsb:mimeType>");
	}
	if (doc != NULL)
		strbuf_printf(sb, "<xdsb:Document>%s</xdsb:Document>", doc);
	strbuf_puts(sb, "</xdsb:DocumentResponse>");
}

/* Returns a peer's MTOM ITI-39 answer holding DRS (DocumentResponse elements) and, when
 * WITH_PART, the attachment "att1@peer" = bin. */
static struct soap_msg *
peer_msg(const char *drs, int with_part)
{
	struct strbuf body = { 0 }, env = { 0 }, mime = { 0 }, ct = { 0 };
	struct soap_limits lim = { 0 };
	struct soap_fault f;
	struct soap_msg *msg = NULL;

	strbuf_printf(&body, "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"%s\" "
	    "xmlns:rs=\"%s\"><rs:RegistryResponse status=\"%s\"/>%s"
	    "</xdsb:RetrieveDocumentSetResponse>", NS_XDSB, NS_RS, RS_STATUS_SUCCESS, drs);
	assert_int_equal(soap_build_response(&env, ACTION_ITI39_RESP, "urn:uuid:x",
	    body.sb_data), 0);
	assert_int_equal(mtom_root_part(&mime, PEER_B, "root@peer", env.sb_data), 0);
	if (with_part) {
		assert_int_equal(mtom_part_header(&mime, PEER_B, "att1@peer", "image/png"), 0);
		assert_int_equal(strbuf_add(&mime, bin, sizeof(bin)), 0);
	}
	assert_int_equal(mtom_end(&mime, PEER_B), 0);
	assert_int_equal(mtom_content_type(&ct, PEER_B, "root@peer", ACTION_ITI39_RESP), 0);
	lim.sl_expect_response = 1;
	assert_int_equal(soap_parse((const uint8_t *)mime.sb_data, mime.sb_len, ct.sb_data,
	    &lim, &msg, &f), 0);
	strbuf_reset(&body);
	strbuf_reset(&env);
	strbuf_reset(&mime);
	strbuf_reset(&ct);
	return msg;
}

/* The I-th (from 0) DocumentResponse of MSG's payload. */
static xmlNode *
nth_dr(struct soap_msg *msg, int i)
{
	xmlNode *dr = xml_child(soap_msg_payload(msg), NS_XDSB, "DocumentResponse");

	while (dr != NULL && i-- > 0)
		dr = xml_next(dr, NS_XDSB, "DocumentResponse");
	return dr;
}

/* ---- reading our answer back ---- */

/* Pulls SRC to its end (return value 1) in pieces of at most MAX document bytes. */
static void
drain(struct body_source *src, size_t max, struct evbuffer *out)
{
	size_t before;
	int r, n = 0;

	do {
		before = evbuffer_get_length(out);
		r = src->bs_pull(src->bs_ctx, out, max);
		/* a pull adds at most MAX bytes of a document, or one header / root part */
		assert_true(evbuffer_get_length(out) - before <= max + 4096);
		assert_true(++n < 100000);
	} while (r == 0);
	assert_int_equal(r, 1);
}

static struct soap_msg *
parse_back(struct evbuffer *body, const char *ctype)
{
	struct soap_limits lim = { 0 };
	struct soap_msg *msg = NULL;
	struct soap_fault f;

	lim.sl_expect_response = 1;
	if (soap_parse(evbuffer_pullup(body, -1), evbuffer_get_length(body), ctype, &lim,
	    &msg, &f) == -1)
		fail_msg("our answer does not parse: %s", f.sf_reason);
	return msg;
}

static void
source_free(struct body_source *src)
{
	src->bs_free(src->bs_ctx);
	free(src);
}

/* Returns the text of child NAME of DR (malloc'd) or NULL. */
static char *
dr_text(const xmlNode *dr, const char *name)
{
	return xml_text(xml_child(dr, NS_XDSB, name));
}

static void
assert_dr_text(const xmlNode *dr, const char *name, const char *want)
{
	char *t = dr_text(dr, name);

	if (want == NULL)
		assert_null(t);
	else {
		assert_non_null(t);
		assert_string_equal(t, want);
	}
	free(t);
}

/* The Content-ID the Document of DR includes, into CID. */
static void
include_cid(const xmlNode *dr, char *cid, size_t n)
{
	const xmlNode *inc = xml_child(xml_child(dr, NS_XDSB, "Document"), MTOM_XOP_NS,
	    "Include");
	char *href = xml_attr(inc, "href");

	assert_non_null(href);
	assert_int_equal(mtom_cid_from_href(href, cid, n), 0);
	free(href);
}

static void
assert_doc_bytes(struct soap_msg *msg, const xmlNode *dr, const void *want, size_t len)
{
	const uint8_t *data;
	size_t got;

	assert_int_equal(soap_element_bytes(msg, xml_child(dr, NS_XDSB, "Document"), &data,
	    &got), 0);
	assert_int_equal(got, len);
	if (len > 0)
		assert_memory_equal(data, want, len);
}

static char *
status_of(struct soap_msg *msg)
{
	return xml_attr(xml_child(soap_msg_payload(msg), NS_RS, "RegistryResponse"),
	    "status");
}

/* ---- tests ---- */

/* Documents of a peer answer, one as an MTOM part and one inline, come out as our own
 * parts under our cids, community HOME, ids, New* ids and mimeType copied, bytes intact. */
static void
test_add_mtom_and_inline(void **state)
{
	struct strbuf drs = { 0 }, inc = { 0 };
	struct reg_errors errs = { 0 };
	struct retrieve_mem *rm;
	struct body_source *src;
	struct evbuffer *body = evbuffer_new();
	struct soap_msg *peer, *back;
	const struct mtom_part *part;
	char cid1[128], cid2[128], *st;

	(void)state;
	assert_int_equal(mtom_put_include(&inc, "att1@peer"), 0);
	put_dr(&drs, REPO, "1.2.3.1", "image/png", inc.sb_data);
	/* New* ids are carried through (on-demand documents) */
	strbuf_puts(&drs, "<xdsb:DocumentResponse><xdsb:HomeCommunityId>" OTHER_HOME
	    "</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>" REPO "</xdsb:RepositoryUniqueId>"
	    "<xdsb:DocumentUniqueId>1.2.3.2</xdsb:DocumentUniqueId>"
	    "<xdsb:NewRepositoryUniqueId>1.2.3.90</xdsb:NewRepositoryUniqueId>"
	    "<xdsb:NewDocumentUniqueId>1.2.3.91</xdsb:NewDocumentUniqueId>"
	    "<xdsb:mimeType>text/plain</xdsb:mimeType>"
	    "<xdsb:Document>" HELLO_B64 "</xdsb:Document></xdsb:DocumentResponse>");
	peer = peer_msg(drs.sb_data, 1);
	assert_non_null(rm = retrieve_mem_new());
	assert_int_equal(retrieve_mem_keep(rm, peer), 0);
	assert_int_equal(retrieve_mem_ndocs(rm), 0);
	assert_int_equal(retrieve_mem_add(rm, peer, nth_dr(peer, 0), HOME), 0);
	assert_int_equal(retrieve_mem_add(rm, peer, nth_dr(peer, 1), HOME), 0);
	assert_int_equal(retrieve_mem_ndocs(rm), 2);
	assert_non_null(src = retrieve_mem_source(rm, ACTION_ITI39_RESP, RELATES, &errs));
	assert_true(mtom_ct_is(src->bs_content_type, "multipart/related"));
	drain(src, 100, body);
	back = parse_back(body, src->bs_content_type);
	assert_true(soap_msg_is_mtom(back));
	assert_string_equal(soap_msg_wsa(back)->wa_action, ACTION_ITI39_RESP);
	assert_string_equal(soap_msg_wsa(back)->wa_relates_to, RELATES);
	st = status_of(back);
	assert_string_equal(st, RS_STATUS_SUCCESS);
	free(st);
	assert_null(xml_child(xml_child(soap_msg_payload(back), NS_RS, "RegistryResponse"),
	    NS_RS, "RegistryErrorList"));

	assert_dr_text(nth_dr(back, 0), "HomeCommunityId", HOME);	/* not the peer's */
	assert_dr_text(nth_dr(back, 0), "RepositoryUniqueId", REPO);
	assert_dr_text(nth_dr(back, 0), "DocumentUniqueId", "1.2.3.1");
	assert_dr_text(nth_dr(back, 0), "NewDocumentUniqueId", NULL);
	assert_dr_text(nth_dr(back, 0), "mimeType", "image/png");
	assert_doc_bytes(back, nth_dr(back, 0), bin, sizeof(bin));
	assert_dr_text(nth_dr(back, 1), "HomeCommunityId", HOME);
	assert_dr_text(nth_dr(back, 1), "DocumentUniqueId", "1.2.3.2");
	assert_dr_text(nth_dr(back, 1), "NewRepositoryUniqueId", "1.2.3.90");
	assert_dr_text(nth_dr(back, 1), "NewDocumentUniqueId", "1.2.3.91");
	assert_dr_text(nth_dr(back, 1), "mimeType", "text/plain");
	assert_doc_bytes(back, nth_dr(back, 1), HELLO, strlen(HELLO));
	assert_null(nth_dr(back, 2));

	/* both are our own parts (the inline one too), under distinct cids of ours */
	include_cid(nth_dr(back, 0), cid1, sizeof(cid1));
	include_cid(nth_dr(back, 1), cid2, sizeof(cid2));
	assert_string_not_equal(cid1, cid2);
	assert_null(strstr(cid1, "peer"));
	assert_non_null(part = soap_attachment(back, cid1));
	assert_string_equal(part->mp_content_type, "image/png");
	assert_non_null(part = soap_attachment(back, cid2));
	assert_string_equal(part->mp_content_type, "text/plain");

	soap_msg_free(back);
	source_free(src);
	evbuffer_free(body);
	strbuf_reset(&drs);
	strbuf_reset(&inc);
}

/* A DocumentResponse without an id, the mimeType or usable bytes is refused with 1 and
 * adds nothing; the answer without documents and without errors is still well formed. */
static void
test_add_incomplete(void **state)
{
	struct strbuf drs = { 0 };
	struct reg_errors errs = { 0 };
	struct retrieve_mem *rm;
	struct body_source *src;
	struct evbuffer *body = evbuffer_new();
	struct soap_msg *peer, *back;
	int i;

	(void)state;
	put_dr(&drs, NULL, "1.2.3.1", "text/plain", HELLO_B64);
	put_dr(&drs, REPO, NULL, "text/plain", HELLO_B64);
	put_dr(&drs, REPO, "1.2.3.3", NULL, HELLO_B64);
	put_dr(&drs, REPO, "1.2.3.4", "text/plain", NULL);		/* no Document */
	put_dr(&drs, REPO, "1.2.3.5", "text/plain", "not*base64!");
	put_dr(&drs, REPO, "1.2.3.6", "text/plain", "<xdsb:x/>");	/* not bytes */
	put_dr(&drs, REPO, "", "text/plain", HELLO_B64);		/* empty id */
	peer = peer_msg(drs.sb_data, 0);
	assert_non_null(rm = retrieve_mem_new());
	assert_int_equal(retrieve_mem_keep(rm, peer), 0);
	for (i = 0; i < 7; i++) {
		print_message("# DocumentResponse %d\n", i);
		assert_non_null(nth_dr(peer, i));
		assert_int_equal(retrieve_mem_add(rm, peer, nth_dr(peer, i), HOME), 1);
	}
	/* no message: nothing to borrow the bytes from */
	assert_int_equal(retrieve_mem_add(rm, NULL, nth_dr(peer, 0), HOME), 1);
	assert_int_equal(retrieve_mem_ndocs(rm), 0);
	assert_non_null(src = retrieve_mem_source(rm, ACTION_ITI43_RESP, NULL, &errs));
	drain(src, 4096, body);
	back = parse_back(body, src->bs_content_type);
	assert_null(nth_dr(back, 0));
	assert_null(soap_msg_wsa(back)->wa_relates_to);
	assert_string_equal(soap_msg_wsa(back)->wa_action, ACTION_ITI43_RESP);
	soap_msg_free(back);
	source_free(src);
	evbuffer_free(body);
	strbuf_reset(&drs);
}

/* Status and RegistryErrors come from ERRS: PartialSuccess with documents, Failure
 * without; the errors are rendered. */
static void
test_source_errors(void **state)
{
	struct strbuf drs = { 0 };
	struct reg_errors errs = { 0 };
	struct retrieve_mem *rm;
	struct body_source *src;
	struct evbuffer *body;
	struct soap_msg *peer, *back;
	xmlNode *e;
	char *st, *code, *loc;
	int with_doc;

	(void)state;
	put_dr(&drs, REPO, "1.2.3.1", "text/plain", HELLO_B64);
	for (with_doc = 1; with_doc >= 0; with_doc--) {
		body = evbuffer_new();
		assert_int_equal(regerr_add(&errs, 0, "XDSUnavailableCommunity", OTHER_HOME,
		    "peer %s down", "x"), 0);
		peer = peer_msg(drs.sb_data, 0);
		assert_non_null(rm = retrieve_mem_new());
		assert_int_equal(retrieve_mem_keep(rm, peer), 0);
		if (with_doc)
			assert_int_equal(retrieve_mem_add(rm, peer, nth_dr(peer, 0), HOME), 0);
		assert_non_null(src = retrieve_mem_source(rm, ACTION_ITI39_RESP, RELATES,
		    &errs));
		drain(src, 1 << 20, body);
		back = parse_back(body, src->bs_content_type);
		st = status_of(back);
		assert_string_equal(st, with_doc ? RS_STATUS_PARTIAL : RS_STATUS_FAILURE);
		e = xml_child(xml_child(xml_child(soap_msg_payload(back), NS_RS,
		    "RegistryResponse"), NS_RS, "RegistryErrorList"), NS_RS, "RegistryError");
		code = xml_attr(e, "errorCode");
		loc = xml_attr(e, "location");
		assert_non_null(code);
		assert_non_null(loc);
		assert_string_equal(code, "XDSUnavailableCommunity");
		assert_string_equal(loc, OTHER_HOME);
		assert_true((nth_dr(back, 0) != NULL) == with_doc);
		free(st);
		free(code);
		free(loc);
		soap_msg_free(back);
		source_free(src);
		evbuffer_free(body);
		regerr_clear(&errs);
	}
	strbuf_reset(&drs);
}

/* retrieve_mem_add_ref lists documents whose bytes the caller relays: each gets a fresh
 * cid that stays valid (and unchanged) as long as the retrieve_mem, however many documents
 * are added after it; a DocumentResponse without an id or mimeType is refused and leaves
 * the cid pointer alone. */
static void
test_add_ref(void **state)
{
	enum { N = 40 };
	struct strbuf drs = { 0 };
	struct retrieve_mem *rm;
	struct soap_msg *peer;
	const char *cid[N], *untouched = "untouched";
	char copy[N][64], uid[32];
	void *scribble[64];
	size_t i, j;

	(void)state;
	for (i = 0; i < N; i++) {
		(void)snprintf(uid, sizeof(uid), "1.2.3.%zu", i + 1);
		put_dr(&drs, REPO, uid, "application/pdf", NULL);
	}
	put_dr(&drs, REPO, "1.2.3.99", NULL, NULL);
	put_dr(&drs, NULL, "1.2.3.98", "application/pdf", NULL);
	peer = peer_msg(drs.sb_data, 0);
	assert_non_null(rm = retrieve_mem_new());
	for (i = 0; i < N; i++) {
		cid[i] = NULL;
		assert_int_equal(retrieve_mem_add_ref(rm, nth_dr(peer, (int)i), HOME, &cid[i]),
		    0);
		assert_non_null(cid[i]);
		assert_int_equal(str_copy(copy[i], sizeof(copy[i]), cid[i]), 0);
		assert_true(copy[i][0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(copy[i], copy[j]);
	}
	assert_int_equal(retrieve_mem_add_ref(rm, nth_dr(peer, N), HOME, &untouched), 1);
	assert_int_equal(retrieve_mem_add_ref(rm, nth_dr(peer, N + 1), HOME, &untouched), 1);
	assert_string_equal(untouched, "untouched");
	assert_int_equal(retrieve_mem_ndocs(rm), N);
	/* Memory freed while the cids are still held would be handed out again here. */
	for (i = 0; i < sizeof(scribble) / sizeof(scribble[0]); i++) {
		size_t sz = 16 << (i % 10);

		assert_non_null(scribble[i] = malloc(sz));
		memset(scribble[i], 'X', sz);
	}
	for (i = 0; i < N; i++)
		assert_string_equal(cid[i], copy[i]);
	for (i = 0; i < sizeof(scribble) / sizeof(scribble[0]); i++)
		free(scribble[i]);
	retrieve_mem_free(rm);
	soap_msg_free(peer);
	strbuf_reset(&drs);
}

/* Mixed: own documents are emitted as parts, referenced ones only listed; with
 * leave_open the body uses the caller's boundary and stops without the closing
 * delimiter, so that the caller's parts and mtom_end make it whole. */
static void
test_leave_open(void **state)
{
	struct strbuf drs = { 0 }, inc = { 0 }, tail = { 0 };
	struct reg_errors errs = { 0 };
	struct retrieve_mem *rm;
	struct body_source *src;
	struct evbuffer *body = evbuffer_new();
	struct soap_msg *peer, *back;
	struct mtom_ct ct;
	const char *ref1 = NULL, *ref2 = NULL;
	char cid[128], end[128];
	static const char ours[] = "MIMEBoundary_ours_0123456789abcdef";
	static const char ref_bytes[] = "relayed by the caller\r\n--not a boundary";
	size_t len;

	(void)state;
	assert_int_equal(mtom_put_include(&inc, "att1@peer"), 0);
	put_dr(&drs, REPO, "1.2.3.1", "application/pdf", NULL);		/* ref */
	put_dr(&drs, REPO, "1.2.3.2", "image/png", inc.sb_data);	/* own, part */
	put_dr(&drs, REPO, "1.2.3.3", "text/x\"odd", NULL);		/* ref, odd mime */
	put_dr(&drs, REPO, "1.2.3.4", "text/plain", "");		/* own, empty */
	peer = peer_msg(drs.sb_data, 1);
	assert_non_null(rm = retrieve_mem_new());
	assert_int_equal(retrieve_mem_keep(rm, peer), 0);
	assert_int_equal(retrieve_mem_add_ref(rm, nth_dr(peer, 0), HOME, &ref1), 0);
	assert_int_equal(retrieve_mem_add(rm, peer, nth_dr(peer, 1), HOME), 0);
	assert_int_equal(retrieve_mem_add_ref(rm, nth_dr(peer, 2), HOME, &ref2), 0);
	assert_int_equal(retrieve_mem_add(rm, peer, nth_dr(peer, 3), HOME), 0);
	assert_int_equal(retrieve_mem_ndocs(rm), 4);
	assert_int_equal(retrieve_mem_leave_open(rm, ours), 0);
	assert_non_null(src = retrieve_mem_source(rm, ACTION_ITI39_RESP, RELATES, &errs));
	assert_int_equal(mtom_ct_parse(src->bs_content_type, &ct), 0);
	assert_string_equal(ct.ct_boundary, ours);
	drain(src, 7, body);
	/* no closing delimiter, no part for the referenced documents */
	len = evbuffer_get_length(body);
	(void)snprintf(end, sizeof(end), "--%s--", ours);
	assert_true(evbuffer_search(body, end, strlen(end), NULL).pos < 0);
	(void)snprintf(end, sizeof(end), "<%s>", ref1);
	assert_true(evbuffer_search(body, end, strlen(end), NULL).pos < 0);
	/* the caller's parts */
	assert_int_equal(mtom_part_header(&tail, ours, ref1, "application/pdf"), 0);
	assert_int_equal(strbuf_add(&tail, ref_bytes, sizeof(ref_bytes) - 1), 0);
	assert_int_equal(mtom_part_header(&tail, ours, ref2, NULL), 0);
	assert_int_equal(strbuf_add(&tail, bin, 10), 0);
	assert_int_equal(mtom_end(&tail, ours), 0);
	assert_int_equal(evbuffer_add(body, tail.sb_data, tail.sb_len), 0);
	assert_true(evbuffer_get_length(body) == len + tail.sb_len);
	back = parse_back(body, src->bs_content_type);

	include_cid(nth_dr(back, 0), cid, sizeof(cid));
	assert_string_equal(cid, ref1);
	include_cid(nth_dr(back, 2), cid, sizeof(cid));
	assert_string_equal(cid, ref2);
	assert_dr_text(nth_dr(back, 2), "mimeType", "text/x\"odd");	/* escaped, kept */
	assert_doc_bytes(back, nth_dr(back, 0), ref_bytes, sizeof(ref_bytes) - 1);
	assert_doc_bytes(back, nth_dr(back, 1), bin, sizeof(bin));
	assert_doc_bytes(back, nth_dr(back, 2), bin, 10);
	assert_doc_bytes(back, nth_dr(back, 3), "", 0);
	assert_dr_text(nth_dr(back, 3), "HomeCommunityId", HOME);
	include_cid(nth_dr(back, 1), cid, sizeof(cid));
	assert_string_equal(soap_attachment(back, cid)->mp_content_type, "image/png");

	soap_msg_free(back);
	source_free(src);
	evbuffer_free(body);
	strbuf_reset(&drs);
	strbuf_reset(&inc);
	strbuf_reset(&tail);
}

/* A boundary that cannot be one is refused. */
static void
test_leave_open_bad_boundary(void **state)
{
	char longb[200];
	struct retrieve_mem *rm;

	(void)state;
	memset(longb, 'b', sizeof(longb) - 1);
	longb[sizeof(longb) - 1] = '\0';
	assert_non_null(rm = retrieve_mem_new());
	assert_int_equal(retrieve_mem_leave_open(rm, longb), -1);
	retrieve_mem_free(rm);
}

/* keep takes ownership, also of many messages (freed with the retrieve_mem: valgrind's
 * leak check fails the test otherwise); free accepts NULL. */
static void
test_keep_free(void **state)
{
	struct strbuf drs = { 0 };
	struct retrieve_mem *rm;
	int i;

	(void)state;
	retrieve_mem_free(NULL);
	put_dr(&drs, REPO, "1.2.3.1", "text/plain", HELLO_B64);
	assert_non_null(rm = retrieve_mem_new());
	for (i = 0; i < 9; i++) {
		struct soap_msg *m = peer_msg(drs.sb_data, i % 2);

		assert_int_equal(retrieve_mem_keep(rm, m), 0);
		assert_int_equal(retrieve_mem_add(rm, m, nth_dr(m, 0), HOME), 0);
	}
	assert_int_equal(retrieve_mem_ndocs(rm), 9);
	retrieve_mem_free(rm);
	strbuf_reset(&drs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_mtom_and_inline),
		cmocka_unit_test(test_add_incomplete),
		cmocka_unit_test(test_source_errors),
		cmocka_unit_test(test_add_ref),
		cmocka_unit_test(test_leave_open),
		cmocka_unit_test(test_leave_open_bad_boundary),
		cmocka_unit_test(test_keep_free),
	};
	size_t i;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = i < sizeof(bin) / 2 ? (uint8_t)"\r\n--ab"[i % 6] : (uint8_t)(i * 7);
	xml_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
