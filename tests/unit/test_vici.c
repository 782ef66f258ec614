/* Unit tests for gateway/vici: the builder against byte sequences written by hand from
 * strongSwan's VICI documentation (its own encoding example among them), the strict parser
 * against malformed messages (truncated, over-long, bad types, unbalanced, too deep, names
 * past the end) and random mutations, the list-sa decoder, and the client against a fake
 * charon served by the test itself on a unix socket in a mkdtemp directory. No real charon
 * is started here. The messages the fake charon sends are built by the small encoder in
 * this file (tb_*), not by the library's. */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "gateway/vici.h"
#include "tests/unit/tmpdir.h"

/* ---- a hand encoder, straight from the documented format ---- */

struct tb {
	uint8_t	b[16384];
	size_t	n;
};

static void
tb_raw(struct tb *t, const void *p, size_t n)
{
	assert_true(t->n + n <= sizeof(t->b));
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static void
tb_u8(struct tb *t, unsigned v)
{
	uint8_t c = (uint8_t)v;

	tb_raw(t, &c, 1);
}

static void
tb_name(struct tb *t, const char *s)
{
	tb_u8(t, (unsigned)strlen(s));
	tb_raw(t, s, strlen(s));
}

static void
tb_valn(struct tb *t, const char *v, size_t n)
{
	tb_u8(t, (unsigned)(n >> 8));
	tb_u8(t, (unsigned)(n & 0xff));
	tb_raw(t, v, n);
}

static void
tb_sec(struct tb *t, const char *n)
{
	tb_u8(t, 1);
	tb_name(t, n);
}

static void
tb_end(struct tb *t)
{
	tb_u8(t, 2);
}

static void
tb_kv(struct tb *t, const char *k, const char *v)
{
	tb_u8(t, 3);
	tb_name(t, k);
	tb_valn(t, v, strlen(v));
}

static void
tb_list(struct tb *t, const char *n)
{
	tb_u8(t, 4);
	tb_name(t, n);
}

static void
tb_item(struct tb *t, const char *v)
{
	tb_u8(t, 5);
	tb_valn(t, v, strlen(v));
}

static void
tb_lend(struct tb *t)
{
	tb_u8(t, 6);
}

/* A packet: 32-bit length, TYPE, NAME if not NULL, MSG if not NULL. */
static void
tb_packet(struct tb *out, unsigned type, const char *name, const struct tb *msg)
{
	size_t len = 1 + (name != NULL ? 1 + strlen(name) : 0) + (msg != NULL ? msg->n : 0);

	tb_u8(out, (unsigned)(len >> 24));
	tb_u8(out, (unsigned)(len >> 16) & 0xff);
	tb_u8(out, (unsigned)(len >> 8) & 0xff);
	tb_u8(out, (unsigned)len & 0xff);
	tb_u8(out, type);
	if (name != NULL)
		tb_name(out, name);
	if (msg != NULL)
		tb_raw(out, msg->b, msg->n);
}

/* IKE_SA osaka, ESTABLISHED, CHILD_SAs clinical (INSTALLED) and audit (REKEYING), named
 * the way strongSwan 5.9 names them: "<name>-<unique id>" with a name key. */
static void
ev_osaka(struct tb *t)
{
	tb_sec(t, "osaka");
	tb_kv(t, "uniqueid", "3");
	tb_kv(t, "version", "2");
	tb_kv(t, "state", "ESTABLISHED");
	tb_kv(t, "remote-host", "198.51.100.7");
	tb_list(t, "local-vips");
	tb_lend(t);
	tb_list(t, "tasks-queued");
	tb_item(t, "IKE_DPD");
	tb_lend(t);
	tb_sec(t, "child-sas");
	tb_sec(t, "clinical-7");
	tb_kv(t, "name", "clinical");
	tb_kv(t, "uniqueid", "7");
	tb_kv(t, "state", "INSTALLED");
	tb_kv(t, "bytes-in", "123456");
	tb_kv(t, "packets-in", "321");
	tb_kv(t, "bytes-out", "18446744073709551615");
	tb_kv(t, "packets-out", "4294967296");
	tb_list(t, "local-ts");
	tb_item(t, "10.8.0.1/32");
	tb_lend(t);
	tb_list(t, "remote-ts");
	tb_item(t, "10.8.0.2/32");
	tb_item(t, "10.8.0.3/32");
	tb_lend(t);
	tb_end(t);
	tb_sec(t, "audit-8");
	tb_kv(t, "name", "audit");
	tb_kv(t, "state", "REKEYING");
	tb_kv(t, "bytes-in", "0");
	tb_kv(t, "bytes-out", "42");
	tb_kv(t, "packets-in", "0");
	tb_kv(t, "packets-out", "1");
	tb_end(t);
	tb_end(t);
	tb_end(t);
}

/* IKE_SA nara: its state after child-sas, a CHILD_SA named by its section only (no name
 * key), an unknown section inside it. */
static void
ev_nara(struct tb *t)
{
	tb_sec(t, "nara");
	tb_sec(t, "child-sas");
	tb_sec(t, "archive");
	tb_kv(t, "state", "INSTALLED");
	tb_kv(t, "bytes-in", "5");
	tb_sec(t, "future");
	tb_kv(t, "state", "BOGUS-NOT-A-CHILD-STATE-AT-ALL-XXXXXXXX");
	tb_kv(t, "name", "not-this");
	tb_end(t);
	tb_end(t);
	tb_end(t);
	tb_kv(t, "state", "ESTABLISHED");
	tb_end(t);
}

/* IKE_SA kyoto, still CONNECTING, no child-sas at all. */
static void
ev_kyoto(struct tb *t)
{
	tb_sec(t, "kyoto");
	tb_kv(t, "state", "CONNECTING");
	tb_list(t, "tasks-active");
	tb_item(t, "IKE_INIT");
	tb_lend(t);
	tb_end(t);
}

/* ---- encoding ---- */

/* The documentation's encoding example, as its C array gives it. */
static const uint8_t doc_msg[] = {
	3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
	1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
	1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
	3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
	2,
	4, 5, 'l', 'i', 's', 't', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '2',
	6,
	2,
};

static void
test_encode_doc_example(void **state)
{
	struct vici_msg *m;
	const uint8_t *p;
	size_t len;

	(void)state;
	assert_non_null(m = vici_msg_new(VICI_CMD_RESPONSE, NULL));
	assert_int_equal(vici_msg_kv_str(m, "key1", "value1"), 0);
	assert_int_equal(vici_msg_section(m, "section1"), 0);
	assert_int_equal(vici_msg_section(m, "sub-section"), 0);
	assert_int_equal(vici_msg_kv(m, "key2", (const uint8_t *)"value2", 6), 0);
	assert_int_equal(vici_msg_section_end(m), 0);
	assert_int_equal(vici_msg_list(m, "list1"), 0);
	assert_int_equal(vici_msg_item(m, (const uint8_t *)"item1", 5), 0);
	assert_int_equal(vici_msg_item(m, (const uint8_t *)"item2", 5), 0);
	assert_int_equal(vici_msg_list_end(m), 0);
	assert_int_equal(vici_msg_section_end(m), 0);
	assert_non_null(p = vici_msg_packet(m, &len));
	assert_int_equal(len, 4 + 1 + sizeof(doc_msg));
	assert_memory_equal(p, ((const uint8_t[]){ 0, 0, 0, 1 + sizeof(doc_msg), 1 }), 5);
	assert_memory_equal(p + 5, doc_msg, sizeof(doc_msg));
	vici_msg_free(m);
}

static void
test_encode_named(void **state)
{
	static const uint8_t reg[] = { 0, 0, 0, 9, 3, 7, 'l', 'i', 's', 't', '-', 's', 'a' };
	static const uint8_t ok[] = { 0, 0, 0, 1, 5 };
	struct vici_msg *m;
	const uint8_t *p;
	size_t len;

	(void)state;
	assert_non_null(m = vici_msg_new(VICI_EVENT_REGISTER, "list-sa"));
	assert_non_null(p = vici_msg_packet(m, &len));
	assert_int_equal(len, sizeof(reg));
	assert_memory_equal(p, reg, sizeof(reg));
	vici_msg_free(m);
	assert_non_null(m = vici_msg_new(VICI_EVENT_CONFIRM, NULL));
	assert_non_null(p = vici_msg_packet(m, &len));
	assert_int_equal(len, sizeof(ok));
	assert_memory_equal(p, ok, sizeof(ok));
	vici_msg_free(m);
	/* a name where none goes, none where one must */
	assert_null(vici_msg_new(VICI_CMD_REQUEST, NULL));
	assert_null(vici_msg_new(VICI_CMD_RESPONSE, "x"));
	assert_null(vici_msg_new((enum vici_ptype)8, NULL));
}

static void
test_encode_misuse(void **state)
{
	static uint8_t big[65536];
	char name[300];
	struct vici_msg *m;
	size_t len = 0, last = 0;
	int i;

	(void)state;
	/* a key/value inside a list: refused, and the error sticks */
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	assert_int_equal(vici_msg_list(m, "l"), 0);
	assert_int_equal(vici_msg_kv_str(m, "k", "v"), -1);
	assert_int_equal(vici_msg_list_end(m), -1);
	assert_null(vici_msg_packet(m, &len));
	vici_msg_free(m);
	/* unbalanced */
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	assert_int_equal(vici_msg_section_end(m), -1);
	vici_msg_free(m);
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	assert_int_equal(vici_msg_section(m, "s"), 0);
	assert_null(vici_msg_packet(m, &len));
	vici_msg_free(m);
	/* item outside a list, list in a list */
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	assert_int_equal(vici_msg_item(m, big, 1), -1);
	vici_msg_free(m);
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	assert_int_equal(vici_msg_list(m, "a"), 0);
	assert_int_equal(vici_msg_list(m, "b"), -1);
	vici_msg_free(m);
	/* a name of 256 bytes, a value of 65536 */
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	assert_null(vici_msg_new(VICI_CMD_REQUEST, name));
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	assert_int_equal(vici_msg_kv(m, "k", big, 65535), 0);
	assert_int_equal(vici_msg_kv(m, "k", big, 65536), -1);
	vici_msg_free(m);
	/* too deep */
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	for (i = 0; i < VICI_MAX_DEPTH; i++)
		assert_int_equal(vici_msg_section(m, "s"), 0);
	assert_int_equal(vici_msg_section(m, "s"), -1);
	vici_msg_free(m);
	/* never past VICI_MAX_PACKET */
	assert_non_null(m = vici_msg_new(VICI_CMD_REQUEST, "x"));
	for (i = 0; i < 20 && vici_msg_kv(m, "k", big, 65535) == 0; i++)
		assert_non_null(vici_msg_packet(m, &last));
	assert_true(i < 20);
	assert_true(last - 4 <= VICI_MAX_PACKET);
	assert_true(last - 4 + 65535 + 5 > VICI_MAX_PACKET);
	vici_msg_free(m);
}

/* ---- decoding ---- */

/* Writes a line per element into the strbuf-like text buffer ARG. */
struct trace {
	char	s[1024];
	int	stop_at;	/* stop at this element (1-based); 0: never */
	int	count;
};

static int
trace_visit(void *arg, const struct vici_elem *e)
{
	struct trace *t = arg;
	size_t n = strlen(t->s);

	snprintf(t->s + n, sizeof(t->s) - n, "%u:%u:%s=%.*s;", (unsigned)e->ve_type,
	    e->ve_depth, e->ve_name, (int)e->ve_len, e->ve_val != NULL ?
	    (const char *)e->ve_val : "");
	return ++t->count == t->stop_at ? 1 : 0;
}

static void
test_decode_doc_example(void **state)
{
	struct trace t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(vici_msg_parse(doc_msg, sizeof(doc_msg), trace_visit, &t), 0);
	assert_string_equal(t.s, "3:0:key1=value1;1:0:section1=;1:1:sub-section=;"
	    "3:2:key2=value2;2:1:=;4:1:list1=;5:1:=item1;5:1:=item2;6:1:=;2:0:=;");
	/* the visitor stops the walk */
	memset(&t, 0, sizeof(t));
	t.stop_at = 3;
	assert_int_equal(vici_msg_parse(doc_msg, sizeof(doc_msg), trace_visit, &t), -1);
	assert_int_equal(t.count, 3);
	assert_int_equal(vici_msg_parse(NULL, 0, NULL, NULL), 0);
}

/* Parses MSG/LEN from an exactly sized heap copy, so that valgrind sees any over-read. */
static int
parse_exact(const uint8_t *msg, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, msg, len);
	r = vici_msg_parse(copy, len, NULL, NULL);
	free(copy);
	return r;
}

#define BAD(...) do {							\
	static const uint8_t b_[] = { __VA_ARGS__ };			\
	assert_int_equal(parse_exact(b_, sizeof(b_)), -1);		\
} while (0)
#define GOOD(...) do {							\
	static const uint8_t g_[] = { __VA_ARGS__ };			\
	assert_int_equal(parse_exact(g_, sizeof(g_)), 0);		\
} while (0)

static void
test_decode_malformed(void **state)
{
	struct tb t = { .n = 0 };
	uint8_t deep[2 * 40 + 40];
	size_t i, n;

	(void)state;
	GOOD(1, 1, 's', 2);
	GOOD(4, 0, 6);						/* empty list, empty name */
	/* truncated: every proper prefix of a message that opens a section */
	ev_osaka(&t);
	assert_int_equal(parse_exact(t.b, t.n), 0);
	for (i = 1; i < t.n; i++)
		assert_int_equal(parse_exact(t.b, i), -1);
	BAD(3, 1, 'k', 0);					/* value length cut */
	BAD(3, 1, 'k', 1, 0, 'v', 'v');				/* value past the end */
	BAD(3, 1, 'k', 0, 2, 'v');				/* by one byte */
	BAD(4, 1, 'l', 5, 0, 1);				/* an item's, likewise */
	BAD(5);
	/* bad element types */
	BAD(0);
	BAD(7);
	BAD(0xff, 1, 'x');
	BAD(1, 1, 's', 9, 2);
	/* unbalanced */
	BAD(2);
	BAD(1, 1, 's');
	BAD(1, 1, 's', 2, 2);
	BAD(4, 1, 'l');
	BAD(6);
	BAD(5, 0, 0);						/* item outside a list */
	BAD(4, 1, 'l', 3, 1, 'k', 0, 0, 6);			/* key/value in a list */
	BAD(4, 1, 'l', 1, 1, 's', 2, 6);			/* section in a list */
	BAD(4, 1, 'l', 4, 1, 'm', 6, 6);			/* list in a list */
	BAD(1, 1, 's', 4, 1, 'l', 2, 6, 2);			/* section end in a list */
	/* names past the end or with a NUL */
	BAD(1, 5, 'a', 'b');
	BAD(3, 200, 'k', 0, 0);
	BAD(4, 2, 'l');
	BAD(1);
	BAD(1, 3, 'a', 0, 'b', 2);
	/* nesting: VICI_MAX_DEPTH sections fit, one more does not */
	for (n = 0; n < 2; n++) {
		size_t d = VICI_MAX_DEPTH + n, k = 0;

		for (i = 0; i < d; i++) {
			deep[k++] = 1;
			deep[k++] = 0;
		}
		for (i = 0; i < d; i++)
			deep[k++] = 2;
		assert_int_equal(parse_exact(deep, k), n == 0 ? 0 : -1);
	}
}

static void
test_decode_packet(void **state)
{
	static const uint8_t ev[] = { 7, 7, 'l', 'i', 's', 't', '-', 's', 'a',
		3, 1, 'k', 0, 0 };
	static const uint8_t cut[] = { 0, 9, 'l', 'i', 's', 't' };
	static const uint8_t nul[] = { 3, 2, 'a', 0 };
	uint8_t hdr[4] = { 0, 0x08, 0, 0 };
	struct vici_packet pk;
	uint8_t *huge;
	size_t len = 0;

	(void)state;
	assert_int_equal(vici_frame_len(hdr, &len), 0);
	assert_int_equal(len, VICI_MAX_PACKET);
	hdr[3] = 1;
	assert_int_equal(vici_frame_len(hdr, &len), -1);		/* 512 KiB + 1 */
	memset(hdr, 0xff, 4);
	assert_int_equal(vici_frame_len(hdr, &len), -1);
	memset(hdr, 0, 4);
	assert_int_equal(vici_frame_len(hdr, &len), -1);		/* empty */

	assert_int_equal(vici_packet_parse(ev, sizeof(ev), &pk), 0);
	assert_int_equal(pk.vp_type, VICI_EVENT);
	assert_string_equal(pk.vp_name, "list-sa");
	assert_int_equal(pk.vp_msglen, 5);
	assert_ptr_equal(pk.vp_msg, ev + 9);
	assert_int_equal(vici_packet_parse((const uint8_t[]){ 1 }, 1, &pk), 0);
	assert_int_equal(pk.vp_type, VICI_CMD_RESPONSE);
	assert_int_equal(pk.vp_msglen, 0);
	assert_int_equal(vici_packet_parse(cut, sizeof(cut), &pk), -1);	/* name past end */
	assert_int_equal(vici_packet_parse(nul, sizeof(nul), &pk), -1);
	assert_int_equal(vici_packet_parse((const uint8_t[]){ 8 }, 1, &pk), -1);
	assert_int_equal(vici_packet_parse(ev, 0, &pk), -1);
	assert_non_null(huge = calloc(1, VICI_MAX_PACKET + 1));
	huge[0] = VICI_CMD_RESPONSE;
	assert_int_equal(vici_packet_parse(huge, VICI_MAX_PACKET, &pk), 0);
	assert_int_equal(vici_packet_parse(huge, VICI_MAX_PACKET + 1, &pk), -1);
	free(huge);
}

static void
assert_child(const struct vici_child *c, const char *ike, const char *ike_state,
    const char *child, const char *st, uint64_t bi, uint64_t bo, uint64_t pi, uint64_t po)
{
	assert_string_equal(c->ike, ike);
	assert_string_equal(c->ike_state, ike_state);
	assert_string_equal(c->child, child);
	assert_string_equal(c->state, st);
	assert_true(c->bytes_in == bi);
	assert_true(c->bytes_out == bo);
	assert_true(c->packets_in == pi);
	assert_true(c->packets_out == po);
}

static void
test_decode_list_sa(void **state)
{
	struct tb a = { .n = 0 }, b = { .n = 0 }, c = { .n = 0 };
	struct vici_child *v = NULL;
	size_t n = 0;

	(void)state;
	ev_osaka(&a);
	ev_nara(&b);
	ev_kyoto(&c);
	assert_int_equal(vici_list_sa_decode(a.b, a.n, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(vici_list_sa_decode(b.b, b.n, &v, &n), 0);
	assert_int_equal(vici_list_sa_decode(c.b, c.n, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_child(&v[0], "osaka", "ESTABLISHED", "clinical", "INSTALLED", 123456,
	    UINT64_MAX, 321, 4294967296ull);
	assert_child(&v[1], "osaka", "ESTABLISHED", "audit", "REKEYING", 0, 42, 0, 1);
	assert_child(&v[2], "nara", "ESTABLISHED", "archive", "INSTALLED", 5, 0, 0, 0);
	assert_child(&v[3], "kyoto", "CONNECTING", "", "", 0, 0, 0, 0);
	/* two IKE_SAs in one message work too */
	memcpy(a.b + a.n, b.b, b.n);
	a.n += b.n;
	free(v);
	v = NULL;
	n = 0;
	assert_int_equal(vici_list_sa_decode(a.b, a.n, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[2].ike, "nara");
	free(v);
}

/* A one-CHILD_SA IKE_SA whose child has KEY = VAL (LEN bytes); returns decode's result
 * and checks that a failure left the count alone. */
static int
decode_child_kv(const char *key, const char *val, size_t len)
{
	struct tb t = { .n = 0 };
	struct vici_child *v = NULL;
	size_t n = 0;
	int r;

	tb_sec(&t, "ike");
	tb_sec(&t, "child-sas");
	tb_sec(&t, "c-1");
	tb_u8(&t, 3);
	tb_name(&t, key);
	tb_valn(&t, val, len);
	tb_end(&t);
	tb_end(&t);
	tb_end(&t);
	r = vici_list_sa_decode(t.b, t.n, &v, &n);
	assert_int_equal(n, r == 0 ? 1 : 0);
	free(v);
	return r;
}

static void
test_decode_list_sa_bad_values(void **state)
{
	char longname[300];

	(void)state;
	assert_int_equal(decode_child_kv("bytes-in", "18446744073709551615", 20), 0);
	assert_int_equal(decode_child_kv("bytes-in", "18446744073709551616", 20), -1);
	assert_int_equal(decode_child_kv("bytes-in", "99999999999999999999", 20), -1);
	assert_int_equal(decode_child_kv("bytes-out", "12a", 3), -1);
	assert_int_equal(decode_child_kv("packets-in", "", 0), -1);
	assert_int_equal(decode_child_kv("packets-out", "-1", 2), -1);
	assert_int_equal(decode_child_kv("bytes-in", "1 ", 2), -1);
	assert_int_equal(decode_child_kv("state", "INSTALLED", 9), 0);
	assert_int_equal(decode_child_kv("state", "0123456789abcdef0123456789abcdef", 32), -1);
	assert_int_equal(decode_child_kv("state", "0123456789abcdef0123456789abcde", 31), 0);
	assert_int_equal(decode_child_kv("name", "clin\0ical", 9), -1);
	memset(longname, 'x', sizeof(longname));
	assert_int_equal(decode_child_kv("name", longname, 255), 0);
	assert_int_equal(decode_child_kv("name", longname, 256), -1);
	assert_int_equal(decode_child_kv("unknown-key", longname, 300), 0);
}

static void
test_decode_list_sa_limit(void **state)
{
	struct tb *t;
	struct vici_child *v = NULL;
	size_t n = 0, i;

	(void)state;
	/* 100 CHILD_SAs per message; VICI_MAX_CHILDREN caps the total */
	assert_non_null(t = calloc(1, sizeof(*t)));
	tb_sec(t, "ike");
	tb_sec(t, "child-sas");
	for (i = 0; i < 100; i++) {
		tb_sec(t, "c");
		tb_end(t);
	}
	tb_end(t);
	tb_end(t);
	for (i = 0; i < VICI_MAX_CHILDREN / 100; i++)
		assert_int_equal(vici_list_sa_decode(t->b, t->n, &v, &n), 0);
	assert_int_equal(n, VICI_MAX_CHILDREN / 100 * 100);
	assert_int_equal(vici_list_sa_decode(t->b, t->n, &v, &n), -1);
	assert_int_equal(n, VICI_MAX_CHILDREN / 100 * 100);
	assert_string_equal(v[n - 1].child, "c");
	free(v);
	free(t);
}

/* Random byte changes to a valid event: decode must fail or succeed, never misbehave. */
static void
test_decode_mutations(void **state)
{
	struct tb t = { .n = 0 };
	struct vici_child *v;
	uint8_t *copy;
	size_t n, k;
	unsigned seed = 12345;
	int i, ok = 0;

	(void)state;
	ev_osaka(&t);
	ev_nara(&t);
	for (i = 0; i < 3000; i++) {
		assert_non_null(copy = malloc(t.n));
		memcpy(copy, t.b, t.n);
		for (k = 0; k < 1 + (size_t)(i % 3); k++)
			copy[(size_t)rand_r(&seed) % t.n] = (uint8_t)rand_r(&seed);
		v = NULL;
		n = 0;
		if (vici_list_sa_decode(copy, t.n - (size_t)(i % 2), &v, &n) == 0) {
			ok++;
			for (k = 0; k < n; k++)
				assert_true(strlen(v[k].state) < sizeof(v[k].state));
		}
		free(v);
		free(copy);
	}
	/* some mutations only touch values and must still decode */
	assert_true(ok > 0);
}

/* ---- the client against a fake charon ---- */

enum srv_mode {
	SRV_ANSWER,		/* answers as charon would */
	SRV_DRIBBLE,		/* the same, a few bytes per millisecond */
	SRV_SILENT,		/* accepts, reads, never answers */
	SRV_CLOSE,		/* closes after the first packet */
	SRV_HUGE,		/* announces a packet over 512 KiB */
	SRV_GARBAGE,		/* a list-sa event that is not a valid message */
	SRV_FAIL,		/* initiate: success no */
	SRV_UNKNOWN,		/* CMD_UNKNOWN */
	SRV_SLOW		/* initiate: answers after 300 ms */
};

struct srv_conn {
	struct bufferevent	*bev;
	struct event		*tick;		/* dribble and slow answers */
	struct tb		 out;		/* to send from tick */
	size_t			 off;
	int			 slow;		/* tick sends all at once */
	int			 npk;
	int			 initiate;
};

#define SRV_CONNS	8

static struct {
	struct event_base	*base;
	struct evconnlistener	*l;
	char			 dir[PATH_MAX];
	char			 path[PATH_MAX];
	struct vici_client	*vc;
	enum srv_mode		 list_mode, init_mode;
	struct srv_conn		*conns[SRV_CONNS];
	int			 nconns;
	char			 bad[256];	/* the fake's first complaint */
	int			 done;
	int			 order[4];	/* which callbacks ran, in order */
} T;

static void
srv_bad(const char *what)
{
	if (T.bad[0] == '\0')
		snprintf(T.bad, sizeof(T.bad), "%s", what);
}

static void
srv_tick(evutil_socket_t fd, short what, void *arg)
{
	struct srv_conn *c = arg;
	struct timeval ms = { 0, 1000 };
	size_t n = c->out.n - c->off;

	if (!c->slow && n > 5)
		n = 5;
	(void)fd;
	(void)what;
	if (c->bev == NULL)
		return;
	bufferevent_write(c->bev, c->out.b + c->off, n);
	c->off += n;
	if (c->off < c->out.n)
		evtimer_add(c->tick, &ms);
}

/* Sends OUT now, or dribbled, or after 300 ms, as MODE says. */
static void
srv_send(struct srv_conn *c, const struct tb *out, enum srv_mode mode)
{
	struct timeval tv = { 0, mode == SRV_SLOW ? 300000 : 1000 };

	if (mode != SRV_DRIBBLE && mode != SRV_SLOW) {
		bufferevent_write(c->bev, out->b, out->n);
		return;
	}
	c->out = *out;
	c->off = 0;
	c->slow = mode == SRV_SLOW;
	evtimer_add(c->tick, &tv);
}

static void
srv_answer_list(struct srv_conn *c)
{
	struct tb out = { .n = 0 }, m = { .n = 0 }, log = { .n = 0 };

	if (T.list_mode == SRV_UNKNOWN) {
		tb_packet(&out, VICI_CMD_UNKNOWN, NULL, NULL);
		srv_send(c, &out, SRV_ANSWER);
		return;
	}
	ev_osaka(&m);
	tb_packet(&out, VICI_EVENT, "list-sa", &m);
	tb_kv(&log, "msg", "unrelated");
	tb_packet(&out, VICI_EVENT, "log", &log);	/* not registered for; skipped */
	m.n = 0;
	if (T.list_mode == SRV_GARBAGE)
		tb_sec(&m, "unclosed");
	else
		ev_nara(&m);
	tb_packet(&out, VICI_EVENT, "list-sa", &m);
	tb_packet(&out, VICI_CMD_RESPONSE, NULL, NULL);
	srv_send(c, &out, T.list_mode);
}

static void
srv_answer_initiate(struct srv_conn *c)
{
	struct tb out = { .n = 0 }, m = { .n = 0 };

	if (T.init_mode == SRV_UNKNOWN) {
		tb_packet(&out, VICI_CMD_UNKNOWN, NULL, NULL);
		srv_send(c, &out, SRV_ANSWER);
		return;
	}
	tb_kv(&m, "group", "IKE");
	tb_kv(&m, "msg", "initiating IKE_SA osaka[1]");
	tb_packet(&out, VICI_EVENT, "control-log", &m);
	m.n = 0;
	tb_kv(&m, "success", T.init_mode == SRV_FAIL ? "no" : "yes");
	if (T.init_mode == SRV_FAIL)
		tb_kv(&m, "errmsg", "establishing CHILD_SA 'clinical' failed");
	tb_packet(&out, VICI_CMD_RESPONSE, NULL, &m);
	srv_send(c, &out, T.init_mode);
}

/* What the client must send, byte for byte (initiate: osaka/clinical, timeout 500). */
static const uint8_t want_register[] = { 0, 0, 0, 9, 3, 7, 'l', 'i', 's', 't', '-', 's', 'a' };
static const uint8_t want_list[] = { 0, 0, 0, 24, 0, 8, 'l', 'i', 's', 't', '-', 's', 'a',
	's', 3, 7, 'n', 'o', 'b', 'l', 'o', 'c', 'k', 0, 3, 'y', 'e', 's' };
static const uint8_t want_initiate[] = { 0, 0, 0, 53, 0, 8, 'i', 'n', 'i', 't', 'i', 'a', 't',
	'e', 3, 5, 'c', 'h', 'i', 'l', 'd', 0, 8, 'c', 'l', 'i', 'n', 'i', 'c', 'a', 'l', 3, 3,
	'i', 'k', 'e', 0, 5, 'o', 's', 'a', 'k', 'a', 3, 7, 't', 'i', 'm', 'e', 'o', 'u', 't',
	0, 3, '5', '0', '0' };

static void
srv_packet(struct srv_conn *c, const uint8_t *p, size_t len)
{
	enum srv_mode mode;

	c->npk++;
	if (c->npk == 1)
		c->initiate = len > 4 && p[4] == VICI_CMD_REQUEST;
	mode = c->initiate ? T.init_mode : T.list_mode;
	if (mode == SRV_SILENT)
		return;
	if (mode == SRV_CLOSE) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		return;
	}
	if (c->initiate) {
		if (c->npk != 1 || len != sizeof(want_initiate) ||
		    memcmp(p, want_initiate, len) != 0)
			srv_bad("initiate request differs");
		srv_answer_initiate(c);
	} else if (c->npk == 1) {
		if (len != sizeof(want_register) || memcmp(p, want_register, len) != 0)
			srv_bad("register differs");
		if (mode == SRV_HUGE)
			bufferevent_write(c->bev, "\x00\x08\x00\x01", 4);
		else
			bufferevent_write(c->bev, "\x00\x00\x00\x01\x05", 5);	/* CONFIRM */
	} else if (c->npk == 2) {
		if (len != sizeof(want_list) || memcmp(p, want_list, len) != 0)
			srv_bad("list-sas request differs");
		srv_answer_list(c);
	} else
		srv_bad("unexpected packet");
}

static void
srv_read(struct bufferevent *bev, void *arg)
{
	struct srv_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[4], *p;
	size_t len;

	while (c->bev != NULL && evbuffer_copyout(in, hdr, 4) == 4) {
		len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 |
		    hdr[3];
		if (evbuffer_get_length(in) < 4 + len)
			return;
		p = evbuffer_pullup(in, (ev_ssize_t)(4 + len));
		srv_packet(c, p, 4 + len);
		if (c->bev != NULL)
			evbuffer_drain(in, 4 + len);
	}
}

static void
srv_event(struct bufferevent *bev, short what, void *arg)
{
	struct srv_conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
}

static void
srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
    void *arg)
{
	struct srv_conn *c;

	(void)l;
	(void)sa;
	(void)sl;
	(void)arg;
	if (T.nconns == SRV_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		srv_bad("too many connections");
		return;
	}
	T.conns[T.nconns++] = c;
	c->bev = bufferevent_socket_new(T.base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->tick = evtimer_new(T.base, srv_tick, c);
	bufferevent_setcb(c->bev, srv_read, NULL, srv_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static int
setup(void **state)
{
	struct sockaddr_un sa;

	(void)state;
	memset(&T, 0, sizeof(T));
	snprintf(T.dir, sizeof(T.dir), "%s/test_vici.XXXXXX", getenv("TMPDIR") != NULL ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(T.dir) == NULL || (T.base = event_base_new()) == NULL)
		return -1;
	if (snprintf(T.path, sizeof(T.path), "%s/charon.vici", T.dir) >= (int)sizeof(T.path))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(T.path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, T.path, strlen(T.path));
	T.l = evconnlistener_new_bind(T.base, srv_accept, NULL, LEV_OPT_CLOSE_ON_FREE, 8,
	    (struct sockaddr *)&sa, sizeof(sa));
	return T.l != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	vici_client_free(T.vc);
	for (i = 0; i < T.nconns; i++) {
		if (T.conns[i]->bev != NULL)
			bufferevent_free(T.conns[i]->bev);
		event_free(T.conns[i]->tick);
		free(T.conns[i]);
	}
	if (T.l != NULL)
		evconnlistener_free(T.l);
	if (T.base != NULL)
		event_base_free(T.base);
	return tmpdir_remove(T.dir);
}

/* A client callback's record. */
struct res {
	int			 called;
	int			 early;		/* called from within the starting call */
	int			 starting;
	int			 id;
	char			 err[512];
	int			 has_err;
	struct vici_child	 v[8];
	size_t			 n;
	struct timeval		 at;
	int			 free_client;	/* free the client from the callback */
};

static void
res_note(struct res *r, const char *err)
{
	r->called++;
	r->early = r->starting;
	r->has_err = err != NULL;
	snprintf(r->err, sizeof(r->err), "%s", err != NULL ? err : "");
	gettimeofday(&r->at, NULL);
	if (T.done < 4)
		T.order[T.done] = r->id;
	T.done++;
	if (r->free_client) {
		vici_client_free(T.vc);
		T.vc = NULL;
	}
}

static void
list_cb(void *arg, const char *err, const struct vici_child *v, size_t n)
{
	struct res *r = arg;

	r->n = n;
	if (n > 0)
		memcpy(r->v, v, (n < 8 ? n : 8) * sizeof(*v));
	res_note(r, err);
}

static void
done_cb(void *arg, const char *err)
{
	res_note(arg, err);
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until WANT callbacks ran or MS milliseconds passed. */
static void
run(int want, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *guard;
	int expired = 0;

	assert_non_null(guard = evtimer_new(T.base, guard_cb, &expired));
	evtimer_add(guard, &tv);
	while (T.done < want && !expired)
		event_base_loop(T.base, EVLOOP_ONCE);
	event_free(guard);
}

static long
ms_since(const struct timeval *t0, const struct timeval *t1)
{
	return (t1->tv_sec - t0->tv_sec) * 1000 + (t1->tv_usec - t0->tv_usec) / 1000;
}

static void
start_list(struct res *r)
{
	r->starting = 1;
	assert_int_equal(vici_list_sas(T.vc, list_cb, r), 0);
	r->starting = 0;
	assert_int_equal(r->called, 0);
}

static void
start_initiate(struct res *r, const char *ike, const char *child)
{
	r->starting = 1;
	assert_int_equal(vici_initiate(T.vc, ike, child, done_cb, r), 0);
	r->starting = 0;
	assert_int_equal(r->called, 0);
}

static void
check_list(enum srv_mode mode)
{
	struct res r = { .id = 1 };

	T.list_mode = mode;
	assert_non_null(T.vc = vici_client_new(T.base, T.path, 2000));
	start_list(&r);
	assert_int_equal(vici_client_pending(T.vc), 1);
	run(1, 5000);
	assert_int_equal(r.called, 1);
	assert_false(r.early);
	assert_string_equal(r.err, "");
	assert_false(r.has_err);
	assert_string_equal(T.bad, "");
	assert_int_equal(r.n, 3);
	assert_child(&r.v[0], "osaka", "ESTABLISHED", "clinical", "INSTALLED", 123456,
	    UINT64_MAX, 321, 4294967296ull);
	assert_child(&r.v[1], "osaka", "ESTABLISHED", "audit", "REKEYING", 0, 42, 0, 1);
	assert_child(&r.v[2], "nara", "ESTABLISHED", "archive", "INSTALLED", 5, 0, 0, 0);
	assert_int_equal(vici_client_pending(T.vc), 0);
}

static void test_client_list(void **state) { (void)state; check_list(SRV_ANSWER); }
static void test_client_list_dribble(void **state) { (void)state; check_list(SRV_DRIBBLE); }

/* Starts a list against MODE and returns its error. */
static void
list_error(enum srv_mode mode, int timeout_ms, struct res *r)
{
	T.list_mode = mode;
	assert_non_null(T.vc = vici_client_new(T.base, T.path, timeout_ms));
	start_list(r);
	run(1, 5000);
	assert_int_equal(r->called, 1);
	assert_false(r->early);
	assert_true(r->has_err);
	assert_int_equal(r->n, 0);
	assert_int_equal(vici_client_pending(T.vc), 0);
}

static void
test_client_timeout(void **state)
{
	struct res r = { .id = 1 };
	struct timeval t0;
	long ms;

	(void)state;
	gettimeofday(&t0, NULL);
	list_error(SRV_SILENT, 200, &r);
	assert_string_equal(r.err, "timeout");
	ms = ms_since(&t0, &r.at);
	assert_true(ms >= 190 && ms < 2000);
	assert_int_equal(T.nconns, 1);
}

static void
test_client_no_socket(void **state)
{
	struct res r = { .id = 1 };
	char want[PATH_MAX + 64];

	(void)state;
	snprintf(T.path + strlen(T.path), sizeof(T.path) - strlen(T.path), ".absent");
	list_error(SRV_ANSWER, 2000, &r);
	snprintf(want, sizeof(want), "charon not running: %s: No such file or directory",
	    T.path);
	assert_string_equal(r.err, want);
	assert_int_equal(T.nconns, 0);
}

static void
test_client_refused(void **state)
{
	struct res r = { .id = 1 };

	(void)state;
	/* a socket file nobody listens on any more */
	evconnlistener_free(T.l);
	T.l = NULL;
	list_error(SRV_ANSWER, 2000, &r);
	assert_non_null(strstr(r.err, "charon not running: "));
	assert_non_null(strstr(r.err, T.path));
	assert_non_null(strstr(r.err, "Connection refused"));
}

static void
test_client_closed(void **state)
{
	struct res r = { .id = 1 };

	(void)state;
	list_error(SRV_CLOSE, 2000, &r);
	assert_string_equal(r.err, "charon closed the connection");
}

static void
test_client_malformed(void **state)
{
	struct res r = { .id = 1 }, r2 = { .id = 2 };
	struct timeval t0;

	(void)state;
	gettimeofday(&t0, NULL);
	list_error(SRV_HUGE, 2000, &r);
	assert_string_equal(r.err, "malformed answer");
	assert_true(ms_since(&t0, &r.at) < 1000);	/* at once, not at the timeout */
	vici_client_free(T.vc);
	T.vc = NULL;
	T.done = 0;
	list_error(SRV_GARBAGE, 2000, &r2);
	assert_string_equal(r2.err, "malformed answer");
	assert_string_equal(T.bad, "");
}

static void
test_client_list_unknown(void **state)
{
	struct res r = { .id = 1 };

	(void)state;
	list_error(SRV_UNKNOWN, 2000, &r);
	assert_string_equal(r.err, "charon does not know list-sas");
}

/* Runs one initiate of osaka/clinical against MODE (client timeout 500 ms). */
static void
initiate_once(enum srv_mode mode, struct res *r)
{
	T.init_mode = mode;
	assert_non_null(T.vc = vici_client_new(T.base, T.path, 500));
	start_initiate(r, "osaka", "clinical");
	run(1, 5000);
	assert_int_equal(r->called, 1);
	assert_false(r->early);
	assert_string_equal(T.bad, "");
	assert_int_equal(vici_client_pending(T.vc), 0);
}

static void
test_client_initiate(void **state)
{
	struct res ok = { .id = 1 }, fail = { .id = 2 }, unk = { .id = 3 };

	(void)state;
	initiate_once(SRV_ANSWER, &ok);
	assert_false(ok.has_err);
	vici_client_free(T.vc);
	T.vc = NULL;
	T.done = 0;
	initiate_once(SRV_FAIL, &fail);
	assert_string_equal(fail.err,
	    "initiate failed: establishing CHILD_SA 'clinical' failed");
	vici_client_free(T.vc);
	T.vc = NULL;
	T.done = 0;
	initiate_once(SRV_UNKNOWN, &unk);
	assert_string_equal(unk.err, "charon does not know initiate");
}

static void
test_client_initiate_timeout(void **state)
{
	struct res r = { .id = 1 };
	struct timeval t0;
	long ms;

	(void)state;
	gettimeofday(&t0, NULL);
	initiate_once(SRV_SILENT, &r);
	assert_string_equal(r.err, "timeout");
	/* charon's own timeout (500) plus the grace for its answer */
	ms = ms_since(&t0, &r.at);
	assert_true(ms >= 990 && ms < 3000);
}

/* A slow initiate does not hold up a list started after it. */
static void
test_client_parallel(void **state)
{
	struct res init = { .id = 1 }, list = { .id = 2 };

	(void)state;
	T.init_mode = SRV_SLOW;
	T.list_mode = SRV_ANSWER;
	assert_non_null(T.vc = vici_client_new(T.base, T.path, 500));
	start_initiate(&init, "osaka", "clinical");
	start_list(&list);
	assert_int_equal(vici_client_pending(T.vc), 2);
	run(2, 5000);
	assert_int_equal(T.done, 2);
	assert_int_equal(T.order[0], 2);
	assert_int_equal(T.order[1], 1);
	assert_false(init.has_err);
	assert_false(list.has_err);
	assert_int_equal(list.n, 3);
	assert_int_equal(T.nconns, 2);
}

/* Freeing the client cancels: no callback, nothing leaked (valgrind). */
static void
test_client_free_pending(void **state)
{
	struct res a = { .id = 1 }, b = { .id = 2 }, c = { .id = 3 };

	(void)state;
	T.init_mode = SRV_SILENT;
	T.list_mode = SRV_SILENT;
	assert_non_null(T.vc = vici_client_new(T.base, T.path, 300));
	start_list(&a);
	start_initiate(&b, NULL, "clinical");
	run(1, 100);
	vici_client_free(T.vc);
	T.vc = NULL;
	/* and once more with a connect failure still to report */
	snprintf(T.path + strlen(T.path), sizeof(T.path) - strlen(T.path), ".absent");
	assert_non_null(T.vc = vici_client_new(T.base, T.path, 300));
	start_list(&c);
	vici_client_free(T.vc);
	T.vc = NULL;
	run(1, 1200);
	assert_int_equal(a.called + b.called + c.called, 0);
}

/* A callback may free the client: the other operation is cancelled without a call. */
static void
test_client_free_in_callback(void **state)
{
	struct res init = { .id = 1 }, list = { .id = 2, .free_client = 1 };

	(void)state;
	T.init_mode = SRV_SLOW;
	T.list_mode = SRV_ANSWER;
	assert_non_null(T.vc = vici_client_new(T.base, T.path, 500));
	start_initiate(&init, "osaka", "clinical");
	start_list(&list);
	run(2, 1000);
	assert_int_equal(list.called, 1);
	assert_int_equal(init.called, 0);
	assert_null(T.vc);
}

static void
test_client_args(void **state)
{
	char longpath[200];
	struct res r = { .id = 1 };

	(void)state;
	memset(longpath, 'p', sizeof(longpath));
	longpath[sizeof(longpath) - 1] = '\0';
	assert_null(vici_client_new(T.base, T.path, 0));
	assert_null(vici_client_new(T.base, T.path, -5));
	assert_null(vici_client_new(T.base, T.path, 86400001));
	assert_null(vici_client_new(T.base, longpath, 1000));
	assert_null(vici_client_new(T.base, "", 1000));
	assert_null(vici_client_new(NULL, T.path, 1000));
	assert_non_null(T.vc = vici_client_new(T.base, T.path, 1000));
	assert_int_equal(vici_initiate(T.vc, NULL, NULL, done_cb, &r), -1);
	assert_int_equal(vici_initiate(T.vc, "a", "b", NULL, &r), -1);
	assert_int_equal(vici_list_sas(T.vc, NULL, &r), -1);
	assert_int_equal(vici_client_pending(T.vc), 0);
	vici_client_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_doc_example),
		cmocka_unit_test(test_encode_named),
		cmocka_unit_test(test_encode_misuse),
		cmocka_unit_test(test_decode_doc_example),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_packet),
		cmocka_unit_test(test_decode_list_sa),
		cmocka_unit_test(test_decode_list_sa_bad_values),
		cmocka_unit_test(test_decode_list_sa_limit),
		cmocka_unit_test(test_decode_mutations),
		cmocka_unit_test_setup_teardown(test_client_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_list_dribble, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_no_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_list_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_initiate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_initiate_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_parallel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_free_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_free_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_args, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
