/* Unit tests for gateway/scn_result and gateway/scn_report*: a two-step model (the second
 * failing) with a timeout, Japanese names and hostile strings (markup, quotes, ampersands,
 * control characters, invalid UTF-8) rendered as JUnit XML (parsed back with libxml2), JSON
 * (checked by a strict parser here, its strings compared with the model's) and HTML (parsed
 * as XML and with libxml2's HTML parser); the reports written into a temporary directory,
 * and the failures of that writing. Then a --netns run's network and tunnels in each report. */
#define _XOPEN_SOURCE 700	/* nftw, strcasestr is _GNU_SOURCE: not used */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/tmpdir.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/scn_report.h"
#include "gateway/scn_report_int.h"
#include "gateway/scn_result.h"

#define HOSTILE_NAME	"<script>alert('x')</script> & \"quoted\" 検索"
#define CTRL_GOT	"ctrl:\x01\x1b[31m bell\x07 & <b>\ttab"
#define BAD_UTF8	"bad \xff\xfe utf8 \xe6\x97"
#define JP_PATIENT	"山田 太郎"

/* ---------------------------------------------------------------- the model */

static struct scn_result *
make_model(void)
{
	struct scn_result *r;
	struct scn_region_result *reg;
	struct scn_step_result *st;

	r = scn_result_new("okayama-shimane 晴れやかネット×まめネット",
	    "tests/scenarios/okayama-shimane.yaml", "2024-05-01T09:00:00Z");
	assert_non_null(r);
	assert_non_null(reg = scn_result_add_region(r, "okayama", "晴れやかネット",
	    "urn:oid:1.2.392.200119.6.1001"));
	assert_int_equal(scn_region_set_audit(reg, 1, "audit-okayama.json", "%d records, %s", 14,
	    "checkpoint OK"), 0);
	assert_non_null(reg = scn_result_add_region(r, "shimane", "まめネット",
	    "urn:oid:1.2.392.200119.6.1002"));
	assert_int_equal(scn_region_set_audit(reg, 1, "javascript:alert(1)", NULL), 0);
	assert_non_null(scn_result_add_region(r, "sakata", "<i>ちょうかいネット</i>", NULL));

	st = scn_result_add_step(r, "query " JP_PATIENT " from Shimane", "query",
	    "okayama/dr-tanaka", "clinical", 15);
	assert_non_null(st);
	assert_int_equal(scn_step_add_check(st, 1, "documents from shimane", "3", "%d", 3), 0);
	assert_int_equal(scn_step_add_hop(st, "ehr:okayama", "okayama", "ITI-18", 0, 2100,
	    SCN_HOP_OK, "%d documents", 3), 0);
	assert_int_equal(scn_step_add_hop(st, "okayama", "shimane", "ITI-55", 5, 75, SCN_HOP_OK,
	    "correlated"), 0);
	assert_int_equal(scn_step_add_hop(st, "okayama", "shimane", "ITI-38", 90, 110, SCN_HOP_OK,
	    "3 documents"), 0);
	assert_int_equal(scn_step_add_hop(st, "okayama", "sakata", "ITI-38", 90, 2000,
	    SCN_HOP_TIMEOUT, "timeout"), 0);
	assert_int_equal(scn_step_add_decision(st, "shimane", JP_PATIENT, "allow",
	    "consent of %s", "2024-04-01"), 0);
	assert_int_equal(scn_step_add_audit(st, "okayama", 12, "ITI-38", 0, "clinical"), 0);
	assert_int_equal(scn_step_add_audit(st, "shimane", 7, "ITI-38", 0, "clinical"), 0);
	scn_step_end(st, 2110);
	assert_int_equal(st->passed, 1);

	st = scn_result_add_step(r, HOSTILE_NAME, "retrieve", NULL, "emergency", 2200);
	assert_non_null(st);
	assert_int_equal(scn_step_add_check(st, 1, "status", "Failure", "Failure"), 0);
	assert_int_equal(scn_step_add_check(st, 0, "RegistryError", "XDSRegistryError", "%s",
	    CTRL_GOT), 0);
	assert_int_equal(st->passed, 0);
	assert_int_equal(scn_step_add_hop(st, "okayama", "shimane", "ITI-39", 3, 40,
	    SCN_HOP_REFUSED, "ConsentRequired: no consent <script>"), 0);
	assert_int_equal(scn_step_add_hop(st, "okayama", "sakata", "ITI-39", 3, 12, SCN_HOP_ERROR,
	    "%s", BAD_UTF8), 0);
	assert_int_equal(scn_step_add_decision(st, "shimane", JP_PATIENT, "deny",
	    "no consent & \"withdrawn\" <b>"), 0);
	assert_int_equal(scn_step_add_audit(st, "shimane", 9, "ITI-39", 4, "emergency"), 0);
	scn_step_end(st, 400);
	scn_result_end(r, 2600);
	assert_int_equal(r->passed, 0);
	return r;
}

static void
test_model(void **state)
{
	struct scn_result *r;
	struct scn_step_result *st;

	(void)state;
	scn_result_free(NULL);
	r = make_model();
	assert_int_equal(r->nregions, 3);
	assert_int_equal(r->nsteps, 2);
	assert_int_equal(r->steps[0].nhops, 4);
	assert_int_equal(r->steps[0].hops[3].outcome, SCN_HOP_TIMEOUT);
	assert_string_equal(r->steps[0].hops[0].detail, "3 documents");
	assert_string_equal(r->steps[0].decisions[0].reason, "consent of 2024-04-01");
	assert_string_equal(r->regions[0].audit_detail, "14 records, checkpoint OK");
	assert_null(r->regions[1].audit_detail);
	assert_int_equal(r->regions[2].audit_verified, -1);
	assert_ptr_equal(scn_result_region(r, "shimane"), &r->regions[1]);
	assert_int_equal(scn_result_add_tunnel(r, NULL, NULL, NULL, NULL, 1, 2), 0);
	assert_true(strcmp(r->tunnels[0].state, "unknown") == 0 && r->tunnels[0].purpose == NULL);
	assert_null(scn_result_region(r, "nowhere"));
	assert_null(r->steps[1].as);
	assert_string_equal(scn_hop_outcome_name(SCN_HOP_TIMEOUT), "timeout");
	assert_string_equal(scn_hop_outcome_name((enum scn_hop_outcome)42), "?");

	/* a run whose steps all pass fails on an audit verification that failed */
	r->steps[1].passed = 1;
	scn_result_end(r, 2600);
	assert_int_equal(r->passed, 1);
	assert_int_equal(scn_region_set_audit(&r->regions[2], 0, NULL, "leaf %d differs", 3), 0);
	scn_result_end(r, 2600);
	assert_int_equal(r->passed, 0);
	scn_result_free(r);

	/* a NULL start time is now, in ISO 8601 UTC */
	r = scn_result_new("x", NULL, NULL);
	assert_non_null(r);
	assert_int_equal(strlen(r->started), 20);
	assert_int_equal(r->started[19], 'Z');
	st = scn_result_add_step(r, "empty", NULL, NULL, NULL, 0);
	assert_non_null(st);
	assert_int_equal(st->passed, 1);
	scn_result_free(r);
}

static void
test_text(void **state)
{
	struct strbuf sb = { 0 };
	uint32_t cp;
	char *s;

	(void)state;
	assert_int_equal(scn_utf8_next("\xe6\x99\xb4", &cp), 3);
	assert_int_equal(cp, 0x6674);
	assert_int_equal(scn_utf8_next("\xc0\xaf", &cp), 1);		/* overlong */
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(scn_utf8_next("\xed\xa0\x80", &cp), 1);	/* surrogate */
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(scn_utf8_next("\xf4\x90\x80\x80", &cp), 1);	/* > U+10FFFF */
	assert_int_equal(scn_utf8_next("\xe6\x97", &cp), 1);		/* cut at the NUL */

	assert_int_equal(scn_put_xml(&sb, "a<b>&\"'\x01\x7f\xc2\x85\n", 0), 0);
	assert_int_equal(scn_put_xml(&sb, "\n\t", 1), 0);
	s = strbuf_take(&sb, NULL);
	assert_string_equal(s, "a&lt;b&gt;&amp;&quot;&#39;\xe2\x90\x81\xe2\x90\xa1\xef\xbf\xbd\n"
	    "&#10;&#9;");
	free(s);

	assert_int_equal(scn_text_width("ab晴れ"), 6);
	assert_int_equal(scn_put_xml_cut(&sb, "晴れやかネット", 8), 0);
	s = strbuf_take(&sb, NULL);
	assert_string_equal(s, "晴れや\xe2\x80\xa6");
	free(s);

	assert_int_equal(scn_put_json(&sb, "q\"\\\x01\x7f\n晴\xff"), 0);
	assert_int_equal(scn_put_json(&sb, NULL), 0);
	s = strbuf_take(&sb, NULL);
	assert_string_equal(s, "\"q\\\"\\\\\\u0001\\u007f\\n晴\xef\xbf\xbd\"null");
	free(s);

	scn_put_dur(&sb, 175);
	scn_put_dur(&sb, 12345);
	s = strbuf_take(&sb, NULL);
	assert_string_equal(s, "175 ms12.3 s");
	free(s);
}

/* ---------------------------------------------------------------- JUnit */

static int
count_children(const xmlNode *parent, const char *name)
{
	const xmlNode *n;
	int c = 0;

	for (n = xml_child(parent, NULL, name); n != NULL; n = xml_next(n, NULL, name))
		c++;
	return c;
}

static void
assert_attr(const xmlNode *n, const char *name, const char *want)
{
	char *v = xml_attr(n, name);

	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void
test_junit(void **state)
{
	struct scn_result *r = make_model();
	struct strbuf sb = { 0 };
	enum xml_err xe;
	xmlDocPtr doc;
	xmlNodePtr root, suite, tc, fail;
	char *text;

	(void)state;
	assert_int_equal(scn_report_junit(r, &sb), 0);
	doc = xml_parse_safe(sb.sb_data, sb.sb_len, NULL, &xe);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_true(xml_is(root, NULL, "testsuites"));
	/* 2 steps + 2 regions whose audit log was verified; 1 failure (step 2) */
	assert_attr(root, "tests", "4");
	assert_attr(root, "failures", "1");
	assert_attr(root, "time", "2.600");
	suite = xml_child(root, NULL, "testsuite");
	assert_non_null(suite);
	assert_int_equal(count_children(root, "testsuite"), 1);
	assert_attr(suite, "name", "okayama-shimane 晴れやかネット×まめネット");
	assert_attr(suite, "timestamp", "2024-05-01T09:00:00");
	assert_non_null(xml_child(suite, NULL, "properties"));
	assert_non_null(xml_child(suite, NULL, "system-out"));
	assert_non_null(strstr(sb.sb_data, "<property name=\"network\" value=\"loopback\"/>"));
	assert_int_equal(count_children(suite, "testcase"), 4);

	tc = xml_child(suite, NULL, "testcase");
	assert_attr(tc, "time", "2.110");
	assert_null(xml_child(tc, NULL, "failure"));
	tc = xml_next(tc, NULL, "testcase");
	assert_attr(tc, "name", HOSTILE_NAME);
	assert_attr(tc, "time", "0.400");
	fail = xml_child(tc, NULL, "failure");
	assert_non_null(fail);
	assert_attr(fail, "message", "1 of 2 checks failed: RegistryError");
	text = xml_text(fail);
	assert_non_null(strstr(text, "RegistryError\n  expected: XDSRegistryError\n"));
	/* control characters shown as control pictures, the rest as it was */
	assert_non_null(strstr(text, "got:      ctrl:\xe2\x90\x81\xe2\x90\x9b[31m bell\xe2\x90\x87 "
	    "& <b>\ttab"));
	free(text);
	assert_non_null(xml_child(tc, NULL, "system-out"));
	tc = xml_next(tc, NULL, "testcase");
	assert_attr(tc, "name", "audit log verified: okayama");
	xmlFreeDoc(doc);
	strbuf_reset(&sb);

	/* a failed audit verification is a failed testcase */
	assert_int_equal(scn_region_set_audit(&r->regions[2], 0, NULL, "leaf 3 differs"), 0);
	assert_int_equal(scn_report_junit(r, &sb), 0);
	assert_non_null(strstr(sb.sb_data, "tests=\"5\" failures=\"2\""));
	assert_non_null(strstr(sb.sb_data, "<failure type=\"audit\" message=\"leaf 3 differs\"/>"));
	strbuf_reset(&sb);
	scn_result_free(r);
}

/* ---------------------------------------------------------------- JSON */

/* A strict RFC 8259 parser: whole input one value, no trailing commas, strings valid UTF-8
 * without raw control characters. Every string (keys included) is decoded into strs. */
struct jp {
	const char	*s;
	size_t		 i, n;
	char		*strs[256];
	size_t		 nstrs;
	int		 depth;
};

static int j_value(struct jp *p);

static void
j_ws(struct jp *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) != NULL)
		p->i++;
}

static int
j_hex4(struct jp *p, uint32_t *v)
{
	size_t k;
	int h;

	*v = 0;
	for (k = 0; k < 4; k++) {
		if (p->i >= p->n || (h = str_hexval((unsigned char)p->s[p->i++])) < 0)
			return -1;
		*v = *v * 16 + (uint32_t)h;
	}
	return 0;
}

static int
j_string(struct jp *p)
{
	struct strbuf sb = { 0 };
	uint32_t cp, lo;
	size_t len;

	if (p->s[p->i++] != '"')
		return -1;
	for (;;) {
		if (p->i >= p->n)
			goto bad;
		if (p->s[p->i] == '"')
			break;
		if ((unsigned char)p->s[p->i] < 0x20)
			goto bad;
		if (p->s[p->i] != '\\') {
			len = scn_utf8_next(p->s + p->i, &cp);
			if (cp == 0xFFFD && len == 1)
				goto bad;	/* invalid UTF-8 in the output */
			strbuf_add(&sb, p->s + p->i, len);
			p->i += len;
			continue;
		}
		p->i++;
		if (p->i >= p->n)
			goto bad;
		switch (p->s[p->i++]) {
		case '"': strbuf_puts(&sb, "\""); break;
		case '\\': strbuf_puts(&sb, "\\"); break;
		case '/': strbuf_puts(&sb, "/"); break;
		case 'b': strbuf_puts(&sb, "\b"); break;
		case 'f': strbuf_puts(&sb, "\f"); break;
		case 'n': strbuf_puts(&sb, "\n"); break;
		case 'r': strbuf_puts(&sb, "\r"); break;
		case 't': strbuf_puts(&sb, "\t"); break;
		case 'u':
			if (j_hex4(p, &cp) == -1)
				goto bad;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (p->i + 2 > p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
					goto bad;
				p->i += 2;
				if (j_hex4(p, &lo) == -1 || lo < 0xDC00 || lo > 0xDFFF)
					goto bad;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			if (cp == 0)
				goto bad;	/* not representable in a C string */
			scn_put_cp(&sb, cp);
			break;
		default:
			goto bad;
		}
	}
	p->i++;
	if (p->nstrs == sizeof(p->strs) / sizeof(p->strs[0]))
		goto bad;
	strbuf_add(&sb, "", 0);
	p->strs[p->nstrs++] = strbuf_take(&sb, NULL);
	return 0;
bad:
	strbuf_reset(&sb);
	return -1;
}

static int
j_number(struct jp *p)
{
	size_t start = p->i;

	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (p->i < p->n && p->s[p->i] >= '1' && p->s[p->i] <= '9')
		while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
			p->i++;
	else
		return -1;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (p->i >= p->n || !isdigit((unsigned char)p->s[p->i]))
			return -1;
		while (p->i < p->n && isdigit((unsigned char)p->s[p->i]))
			p->i++;
	}
	return p->i > start ? 0 : -1;
}

static int
j_members(struct jp *p, char close, int object)
{
	p->i++;
	j_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		j_ws(p);
		if (object) {
			if (p->i >= p->n || p->s[p->i] != '"' || j_string(p) == -1)
				return -1;
			j_ws(p);
			if (p->i >= p->n || p->s[p->i++] != ':')
				return -1;
		}
		if (j_value(p) == -1)
			return -1;
		j_ws(p);
		if (p->i >= p->n)
			return -1;
		if (p->s[p->i] == close) {
			p->i++;
			return 0;
		}
		if (p->s[p->i++] != ',')
			return -1;
	}
}

static int
j_value(struct jp *p)
{
	int rc;

	j_ws(p);
	if (p->i >= p->n || ++p->depth > 32)
		return -1;
	switch (p->s[p->i]) {
	case '{': rc = j_members(p, '}', 1); break;
	case '[': rc = j_members(p, ']', 0); break;
	case '"': rc = j_string(p); break;
	case 't': rc = strncmp(p->s + p->i, "true", 4) == 0 ? (p->i += 4, 0) : -1; break;
	case 'f': rc = strncmp(p->s + p->i, "false", 5) == 0 ? (p->i += 5, 0) : -1; break;
	case 'n': rc = strncmp(p->s + p->i, "null", 4) == 0 ? (p->i += 4, 0) : -1; break;
	default: rc = j_number(p);
	}
	p->depth--;
	return rc;
}

/* Parses S strictly; returns 0 with the decoded strings in P, or -1. */
static int
j_parse(struct jp *p, const char *s, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->s = s;
	p->n = n;
	if (j_value(p) == -1)
		return -1;
	j_ws(p);
	return p->i == p->n ? 0 : -1;
}

static int
j_has(const struct jp *p, const char *want)
{
	size_t i;

	for (i = 0; i < p->nstrs; i++)
		if (strcmp(p->strs[i], want) == 0)
			return 1;
	return 0;
}

static void
j_free(struct jp *p)
{
	size_t i;

	for (i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
}

static void
test_json(void **state)
{
	struct scn_result *r = make_model();
	struct strbuf sb = { 0 };
	struct jp p;

	(void)state;
	/* the checker itself refuses what it must */
	assert_int_equal(j_parse(&p, "{\"a\":1,}", 8), -1);
	j_free(&p);
	assert_int_equal(j_parse(&p, "[\"\x01\"]", 5), -1);
	j_free(&p);
	assert_int_equal(j_parse(&p, "[01]", 4), -1);
	j_free(&p);
	assert_int_equal(j_parse(&p, "{\"a\":[true,null,-1.5,\"\\u00e9\"]}", 31), 0);
	assert_true(j_has(&p, "\xc3\xa9"));
	j_free(&p);

	assert_int_equal(scn_report_json(r, &sb), 0);
	assert_int_equal(j_parse(&p, sb.sb_data, sb.sb_len), 0);
	/* the model's strings come back exactly; invalid UTF-8 as U+FFFD */
	assert_true(j_has(&p, "okayama-shimane 晴れやかネット×まめネット"));
	assert_true(j_has(&p, HOSTILE_NAME));
	assert_true(j_has(&p, CTRL_GOT));
	assert_true(j_has(&p, "query " JP_PATIENT " from Shimane"));
	assert_true(j_has(&p, "no consent & \"withdrawn\" <b>"));
	assert_true(j_has(&p, "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd\xef\xbf\xbd"));
	assert_true(j_has(&p, "timeout"));
	assert_true(j_has(&p, "ehr:okayama"));
	j_free(&p);
	assert_non_null(strstr(sb.sb_data, "\"format\": \"hashi-scenario-report\""));
	assert_non_null(strstr(sb.sb_data, "\"total_ms\": 2600"));
	assert_non_null(strstr(sb.sb_data, "\"passed\": false"));
	assert_non_null(strstr(sb.sb_data, "\"as\": null"));
	assert_non_null(strstr(sb.sb_data, "\"audit_verified\": null"));
	assert_non_null(strstr(sb.sb_data, "\"seq\": 12"));
	assert_non_null(strstr(sb.sb_data, "\"start_ms\": 90, \"dur_ms\": 2000, "
	    "\"outcome\": \"timeout\""));
	strbuf_reset(&sb);

	/* an empty result is valid too */
	scn_result_free(r);
	r = scn_result_new("empty", NULL, "2024-05-01T09:00:00Z");
	assert_int_equal(scn_report_json(r, &sb), 0);
	assert_int_equal(j_parse(&p, sb.sb_data, sb.sb_len), 0);
	j_free(&p);
	/* no --netns: the keys are there all the same */
	assert_non_null(strstr(sb.sb_data, "\"passed\": true,\n  \"network\": \"loopback\",\n"));
	assert_non_null(strstr(sb.sb_data, "\"steps\": [],\n  \"tunnels\": []\n}\n"));
	strbuf_reset(&sb);
	scn_result_free(r);
}

/* ---------------------------------------------------------------- HTML */

static int
count_elems(const xmlNode *n, const char *name)
{
	int c = 0;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			c++;
		c += count_elems(n->children, name);
	}
	return c;
}

static void
test_html(void **state)
{
	struct scn_result *r = make_model();
	struct strbuf sb = { 0 };
	htmlDocPtr hdoc;
	xmlDocPtr xdoc;
	const char *p;
	size_t i;
	int n;

	(void)state;
	assert_int_equal(scn_report_html(r, &sb), 0);

	/* well-formed XML too: every escape right, every element closed */
	xdoc = xmlReadMemory(sb.sb_data, (int)sb.sb_len, "report.html", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(xdoc);
	assert_int_equal(count_elems(xmlDocGetRootElement(xdoc), "svg"), 2);
	xmlFreeDoc(xdoc);

	hdoc = htmlReadMemory(sb.sb_data, (int)sb.sb_len, "report.html", "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	assert_non_null(hdoc);
	assert_int_equal(count_elems(xmlDocGetRootElement(hdoc), "svg"), 2);
	assert_int_equal(count_elems(xmlDocGetRootElement(hdoc), "section"), 3);
	assert_int_equal(count_elems(xmlDocGetRootElement(hdoc), "script"), 0);
	assert_int_equal(count_elems(xmlDocGetRootElement(hdoc), "b"), 0);
	assert_int_equal(count_elems(xmlDocGetRootElement(hdoc), "i"), 0);
	xmlFreeDoc(hdoc);

	assert_null(strstr(sb.sb_data, "<script"));
	assert_non_null(strstr(sb.sb_data, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
	    "&amp; &quot;quoted&quot;"));
	for (i = 0; i < sb.sb_len; i++)
		assert_false((unsigned char)sb.sb_data[i] < 0x20 && sb.sb_data[i] != '\n' &&
		    sb.sb_data[i] != '\t');
	assert_non_null(strstr(sb.sb_data, "<meta charset=\"utf-8\"/>"));
	assert_non_null(strstr(sb.sb_data, "晴れやかネット"));
	assert_non_null(strstr(sb.sb_data, JP_PATIENT));
	/* no resource outside the file: the only URLs are the SVG namespace names */
	for (n = 0, p = sb.sb_data; (p = strstr(p, "http:")) != NULL; p++, n++)
		assert_true(strncmp(p - 7, "xmlns=\"http://www.w3.org/2000/svg\"", 34) == 0);
	assert_int_equal(n, 2);
	assert_null(strstr(sb.sb_data, "https:"));
	assert_null(strstr(sb.sb_data, "src="));
	assert_null(strstr(sb.sb_data, "url("));
	assert_non_null(strstr(sb.sb_data, "content=\"default-src 'none'; style-src "
	    "'unsafe-inline'\""));
	assert_null(strstr(sb.sb_data, "<link"));
	assert_null(strstr(sb.sb_data, "@import"));
	/* the timeout drawn as such, with its label */
	assert_non_null(strstr(sb.sb_data, "class=\"req tmo\""));
	assert_non_null(strstr(sb.sb_data, "class=\"cross\""));
	assert_non_null(strstr(sb.sb_data, "ITI-38 \xc2\xb7 timeout after 2000 ms"));
	/* the audit links and their anchors; the hostile export file name made harmless */
	assert_non_null(strstr(sb.sb_data, "href=\"#audit-1-2\""));
	assert_non_null(strstr(sb.sb_data, "id=\"audit-1-2\""));
	assert_non_null(strstr(sb.sb_data, "id=\"audit-2-1\""));
	assert_non_null(strstr(sb.sb_data, "href=\"audit-okayama.json\""));
	assert_non_null(strstr(sb.sb_data, "href=\"javascript%3Aalert%281%29\""));
	assert_null(strstr(sb.sb_data, "href=\"javascript:"));
	/* the decision and its reason */
	assert_non_null(strstr(sb.sb_data, "<td class=\"deny\">deny</td><td>no consent &amp; "
	    "&quot;withdrawn&quot; &lt;b&gt;</td>"));
	/* no --netns: loopback said in the header, no Tunnels section */
	assert_non_null(strstr(sb.sb_data, "<dt>Network</dt><dd>loopback (one machine, TLS on "
	    "127.0.0.1)</dd><dt>Steps</dt>"));
	assert_null(strstr(sb.sb_data, "tunnels"));
	assert_null(strstr(sb.sb_data, "Tunnels"));
	strbuf_reset(&sb);
	scn_result_free(r);
}

/* ---------------------------------------------------------------- tunnels (--netns) */

static void
test_tunnels(void **state)
{
	struct scn_result *r = scn_result_new("netns", NULL, "2024-05-01T09:00:00Z");
	struct strbuf sb = { 0 };
	enum xml_err xe;
	xmlDocPtr doc;
	xmlNodePtr n;
	struct jp p;
	char *s;

	(void)state;
	assert_non_null(r);
	assert_true(scn_result_set_network(r, "loopback") == 0 &&
	    scn_result_set_network(r, "netns") == 0);	/* replaces */
	assert_int_equal(scn_result_add_tunnel(r, "okayama", "shimane", "clinical", "up", 123456,
	    7890), 0);
	assert_int_equal(scn_result_add_tunnel(r, "okayama", "sh<&\"x", "emergency", "down", 0, 0), 0);
	scn_result_end(r, 10);
	assert_int_equal(r->passed, 1);		/* a tunnel down is information, no failure */

	assert_int_equal(scn_report_json(r, &sb), 0);
	assert_int_equal(j_parse(&p, sb.sb_data, sb.sb_len), 0);
	assert_true(j_has(&p, "sh<&\"x"));
	j_free(&p);
	assert_non_null(strstr(sb.sb_data, ",\n  \"network\": \"netns\",\n"));
	assert_non_null(strstr(sb.sb_data, "\"steps\": [],\n  \"tunnels\": [\n    {\"region\": "
	    "\"okayama\", \"peer\": \"shimane\", \"purpose\": \"clinical\", \"state\": \"up\", "
	    "\"bytes_in\": 123456, \"bytes_out\": 7890},\n    {\"region\": \"okayama\", \"peer\": "
	    "\"sh<&\\\"x\", \"purpose\": \"emergency\", \"state\": \"down\", \"bytes_in\": 0, "
	    "\"bytes_out\": 0}\n  ]\n}\n"));
	strbuf_reset(&sb);
	assert_int_equal(scn_report_html(r, &sb), 0);
	assert_non_null(doc = xmlReadMemory(sb.sb_data, (int)sb.sb_len, "report.html", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
	xmlFreeDoc(doc);
	assert_non_null(strstr(sb.sb_data, "<dt>Network</dt><dd>network namespaces with strongSwan "
	    "IPsec tunnels (one CHILD_SA per pair of regions and purpose)</dd><dt>Tunnels</dt><dd>"
	    "<a href=\"#tunnels\">1 up</a>, <span class=\"bad\">1 not up</span></dd>"));
	assert_non_null(s = strstr(sb.sb_data, "<section id=\"tunnels\">\n<h2>Tunnels</h2>"));
	assert_non_null(strstr(s, "<th>Bytes out</th></tr>\n<tr><td><code>okayama</code></td><td>"
	    "<code>shimane</code></td><td>clinical</td><td class=\"good\">up</td><td class=\"num\">"
	    "123456</td><td class=\"num\">7890</td></tr>\n<tr><td><code>okayama</code></td><td>"
	    "<code>sh&lt;&amp;&quot;x</code></td><td>emergency</td><td class=\"bad\">down</td>"
	    "<td class=\"num\">0</td><td class=\"num\">0</td></tr>\n</table>\n</section>\n"));
	strbuf_reset(&sb);

	/* JUnit: well-formed, properties the suite's first element, no testcase for a tunnel */
	assert_int_equal(scn_report_junit(r, &sb), 0);
	assert_non_null(doc = xml_parse_safe(sb.sb_data, sb.sb_len, NULL, &xe));
	assert_non_null(n = xml_child(xmlDocGetRootElement(doc), NULL, "testsuite"));
	assert_int_equal(count_children(n, "testcase"), 0);
	for (n = n->children; n->type != XML_ELEMENT_NODE; n = n->next)
		;
	assert_true(xml_is(n, NULL, "properties"));
	xmlFreeDoc(doc);
	assert_non_null(strstr(sb.sb_data, "<property name=\"network\" value=\"netns\"/>\n"
	    "    </properties>\n"));
	assert_non_null(strstr(sb.sb_data, "tunnel okayama -&gt; sh&lt;&amp;&quot;x purpose "
	    "emergency: down, 0 bytes in, 0 bytes out\n"));
	strbuf_reset(&sb);
	scn_result_free(r);
}

/* ---------------------------------------------------------------- files */

static char tmpdir[256];

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-scnreport.XXXXXX", t ? t : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmpdir);
}

/* Returns the number of entries in DIR whose name starts with a dot (temporary files). */
static int
count_hidden(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_write(void **state)
{
	struct scn_result *r = make_model();
	struct strbuf sb = { 0 };
	char dir[400], path[500], err[512], *buf;
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/report", tmpdir);
	assert_int_equal(scn_report_write(r, dir, err, sizeof(err)), 0);
	assert_int_equal(scn_report_html(r, &sb), 0);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal((size_t)st.st_size, sb.sb_len);
	buf = malloc(sb.sb_len);
	assert_non_null(buf);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sb.sb_len, f), sb.sb_len);
	fclose(f);
	assert_memory_equal(buf, sb.sb_data, sb.sb_len);
	free(buf);
	strbuf_reset(&sb);
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(count_hidden(dir), 0);
	/* written again over the old ones */
	assert_int_equal(scn_report_write(r, dir, err, sizeof(err)), 0);

	/* a parent that does not exist, a file in the way */
	snprintf(path, sizeof(path), "%s/no/such/dir", tmpdir);
	assert_int_equal(scn_report_write(r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no/such/dir: cannot create the report directory"));
	snprintf(path, sizeof(path), "%s/report/junit.xml", tmpdir);
	assert_int_equal(scn_report_write(r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "junit.xml: not a directory"));

	/* a report that cannot be put in place: named in the error, no temporary file left */
	snprintf(path, sizeof(path), "%s/report.html", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/report.html/x", dir);
	f = fopen(path, "w");		/* not empty: rename cannot replace it */
	assert_non_null(f);
	fclose(f);
	assert_int_equal(scn_report_write(r, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/report.html: rename: "));
	assert_int_equal(count_hidden(dir), 0);
	scn_result_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_tunnels),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
	};

	xml_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
