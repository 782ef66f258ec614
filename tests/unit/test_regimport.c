/* Unit tests for gateway/regimport: a directory of ProvideAndRegisterDocumentSetRequest
 * files imported into a real LMDB registry in a temporary directory. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/str.h"
#include "gateway/regimport.h"
#include "gateway/regstore.h"

#include "tests/unit/sor_builder.h"

static char tmpdir[256], envdir[300];
static struct regstore *rs;


static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/hashi-regimport.XXXXXX", t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(envdir, sizeof(envdir), "%s/registry", tmpdir);
	rs = regstore_open(envdir, 64 * 1024 * 1024);
	return rs != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	regstore_close(rs);
	rs = NULL;
	return tmpdir_remove(tmpdir);
}

/* Writes a ProvideAndRegisterDocumentSetRequest for S into DIR/NAME: document 0 inline
 * (base64), document 1 (if any) as <xop:Include href=HREF/>. Returns the line of
 * Document01's ExtrinsicObject. */
static long
write_pnr(const char *dir, const char *name, const struct sub *s, const char *href)
{
	char path[600], text[160], b64[320], *xml = sub_xml(s);
	const char *p;
	long line = 3;	/* declaration, request start tag, then the SubmitObjectsRequest */
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xdsb:ProvideAndRegister"
	    "DocumentSetRequest xmlns:xdsb=\"%s\" xmlns:xop=\"%s\">\n%s\n", NS_XDSB, NS_XOP, xml);
	content_text(s, 0, text, sizeof(text));
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)text, (int)strlen(text));
	fprintf(f, "<xdsb:Document id=\"%s\">\n%.40s\n%s</xdsb:Document>\n", s->id[0], b64,
	    b64 + 40);
	if (s->ndocs > 1)
		fprintf(f, "<xdsb:Document id=\"%s\"><xop:Include href=\"%s\"/></xdsb:Document>\n",
		    s->id[1], href);
	fprintf(f, "</xdsb:ProvideAndRegisterDocumentSetRequest>\n");
	assert_int_equal(fclose(f), 0);
	for (p = xml; p < strstr(xml, "<rim:ExtrinsicObject id=\"Document01\""); p++)
		line += *p == '\n';
	free(xml);
	return line;
}

static void
test_import(void **state)
{
	struct regstore_stats st;
	struct sub good, bad, evil;
	char dir[400], path[500], text[160], want[200], uid[96], *rep = NULL;
	uint8_t buf[REGSTORE_CHUNK];
	size_t replen = 0, len;
	long line;
	FILE *f, *report;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/import", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	sub_init(&good, 2);
	write_pnr(dir, "a-good.xml", &good, "doc1.bin");
	content_text(&good, 1, text, sizeof(text));
	snprintf(path, sizeof(path), "%s/doc1.bin", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	sub_init(&bad, 1);
	bad.fault = F_NO_CLASSCODE;
	line = write_pnr(dir, "b-bad.xml", &bad, NULL);
	sub_init(&evil, 2);
	write_pnr(dir, "c-evil.xml", &evil, "../doc1.bin");
	snprintf(path, sizeof(path), "%s/d-notes.xml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("<notes>日本語</notes>\n", f);
	fclose(f);

	assert_non_null(report = open_memstream(&rep, &replen));
	assert_int_equal(regimport_dir(rs, dir, REPO, report), 2);
	fclose(report);
	assert_non_null(strstr(rep, "a-good.xml: 2 documents stored\n"));
	snprintf(want, sizeof(want), "b-bad.xml:%ld: error XDSRegistryMetadataError: classCode",
	    line);
	if (strstr(rep, want) == NULL)
		fail_msg("report lacks \"%s\":\n%s", want, rep);
	assert_non_null(strstr(rep, "c-evil.xml:"));
	assert_non_null(strstr(rep, "error XDSRegistryMetadataError: xop:Include href"));
	assert_non_null(strstr(rep, "d-notes.xml: skipped"));
	assert_null(strstr(rep, "b-bad.xml: 1 documents stored"));
	free(rep);
	assert_int_equal(regstore_stats(rs, &st), 0);
	assert_int_equal(st.rs_documents, 2);	/* only the good file's */
	assert_int_equal(regstore_doc_chunk(rs, uid_of(&good, 2, uid, sizeof(uid)), 0, buf,
	    &len), 0);
	assert_int_equal(len, strlen(text));	/* from the included file */
	assert_memory_equal(buf, text, len);
	content_text(&good, 0, text, sizeof(text));
	assert_int_equal(regstore_doc_chunk(rs, uid_of(&good, 1, uid, sizeof(uid)), 0, buf,
	    &len), 0);
	assert_int_equal(len, strlen(text));	/* from base64 */
	assert_memory_equal(buf, text, len);
	snprintf(path, sizeof(path), "%s/nonexistent", tmpdir);
	assert_int_equal(regimport_dir(rs, path, REPO, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
