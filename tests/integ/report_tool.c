/*
 * tests/integ/report_tool: writes the three reports of a sample scenario run into DIR, for
 * test_report_html.sh (which compiles it against $BUILD/libhashi.a and opens report.html
 * in headless Chromium). No cmocka, no daemon.
 *
 *   report_tool DIR
 *
 * The sample looks like an Okayama-Shimane-Sakata run: a national query with a fan-out in
 * which Sakata times out, a retrieve refused for want of consent (the failing step, with
 * hostile text in it), a consent added, a region taken down, and the step after it; the
 * regions in network namespaces (--netns), with each one's view of its IPsec tunnels at the
 * end (Shimane's down, as it was taken down; a peer name with markup in it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "gateway/scn_report.h"
#include "gateway/scn_result.h"

#define PATIENT	"山田 太郎 (ヤマダ タロウ)"

static int
add_regions(struct scn_result *r)
{
	struct scn_region_result *reg;

	if ((reg = scn_result_add_region(r, "okayama", "晴れやかネット",
	    "urn:oid:1.2.392.200119.6.1001")) == NULL ||
	    scn_region_set_audit(reg, 1, "audit/okayama.jsonl", "%d records, checkpoint %d OK",
	    41, 3) == -1)
		return -1;
	if ((reg = scn_result_add_region(r, "shimane", "まめネット",
	    "urn:oid:1.2.392.200119.6.1002")) == NULL ||
	    scn_region_set_audit(reg, 1, "audit/shimane.jsonl", "%d records", 23) == -1)
		return -1;
	if ((reg = scn_result_add_region(r, "sakata", "ちょうかいネット",
	    "urn:oid:1.2.392.200119.6.1003")) == NULL ||
	    scn_region_set_audit(reg, 1, NULL, "%d records", 9) == -1)
		return -1;
	return 0;
}

/* Step 1: a national query; Shimane answers, Sakata (frozen) times out. */
static int
add_query(struct scn_result *r)
{
	struct scn_step_result *st;

	if ((st = scn_result_add_step(r, "query " PATIENT " nationally", "query",
	    "okayama/dr-tanaka", "clinical", 120)) == NULL)
		return -1;
	if (scn_step_add_check(st, 1, "documents from shimane", "3", "%d", 3) == -1 ||
	    scn_step_add_check(st, 1, "sakata times out", "timeout", "timeout") == -1 ||
	    scn_step_add_check(st, 1, "latency bound", "<= 2500 ms", "%d ms", 2210) == -1 ||
	    scn_step_add_hop(st, "ehr:okayama", "okayama", "ITI-18", 0, 2210, SCN_HOP_OK,
	    "%d documents", 3) == -1 ||
	    scn_step_add_hop(st, "okayama", "shimane", "ITI-55", 6, 84, SCN_HOP_OK,
	    "correlated: P0001") == -1 ||
	    scn_step_add_hop(st, "okayama", "sakata", "ITI-55", 6, 2000, SCN_HOP_TIMEOUT,
	    "no answer in 2000 ms") == -1 ||
	    scn_step_add_hop(st, "okayama", "shimane", "ITI-38", 95, 131, SCN_HOP_OK,
	    "3 documents") == -1 ||
	    scn_step_add_decision(st, "shimane", PATIENT, "allow", "consent %s, purpose clinical",
	    "urn:uuid:8c1f...") == -1 ||
	    scn_step_add_audit(st, "okayama", 17, "ITI-55", 0, "clinical") == -1 ||
	    scn_step_add_audit(st, "okayama", 18, "ITI-38", 0, "clinical") == -1 ||
	    scn_step_add_audit(st, "shimane", 9, "ITI-55", 0, "clinical") == -1 ||
	    scn_step_add_audit(st, "shimane", 10, "ITI-38", 0, "clinical") == -1)
		return -1;
	scn_step_end(st, 2230);
	return 0;
}

/* Step 2: a retrieve refused by Shimane (no consent for emergency); the expectation is
 * wrong on purpose, and the texts carry markup and control characters. */
static int
add_retrieve(struct scn_result *r)
{
	struct scn_step_result *st;

	if ((st = scn_result_add_step(r, "retrieve <script>alert(\"x\")</script> & co",
	    "retrieve", "okayama/dr-tanaka", "emergency", 2400)) == NULL)
		return -1;
	if (scn_step_add_check(st, 1, "status", "Failure", "Failure") == -1 ||
	    scn_step_add_check(st, 0, "RegistryError", "XDSRepositoryError",
	    "ConsentRequired: \"no consent\" <b>\x1b[31m</b>") == -1 ||
	    scn_step_add_hop(st, "ehr:okayama", "okayama", "ITI-43", 0, 96, SCN_HOP_ERROR,
	    "1 RegistryError") == -1 ||
	    scn_step_add_hop(st, "okayama", "shimane", "ITI-39", 4, 71, SCN_HOP_REFUSED,
	    "ConsentRequired: no consent for <emergency> & \"purpose\"") == -1 ||
	    scn_step_add_decision(st, "shimane", PATIENT, "deny",
	    "no consent for purpose %s <img src=x onerror=alert(1)>", "emergency") == -1 ||
	    scn_step_add_audit(st, "okayama", 19, "ITI-39", 8, "emergency") == -1 ||
	    scn_step_add_audit(st, "shimane", 11, "ITI-39", 4, "emergency") == -1)
		return -1;
	scn_step_end(st, 104);
	return 0;
}

/* Steps 3 and 4: a consent added (no messages between gateways), then a region down and a
 * query that skips it. */
static int
add_rest(struct scn_result *r)
{
	struct scn_step_result *st;

	if ((st = scn_result_add_step(r, "consent add: " PATIENT " allows emergency",
	    "consent-add", "shimane/admin", NULL, 2600)) == NULL ||
	    scn_step_add_check(st, 1, "hashictl consent add exits 0", "0", "0") == -1 ||
	    scn_step_add_audit(st, "shimane", 12, "consent-decision", 0, NULL) == -1)
		return -1;
	scn_step_end(st, 350);
	if ((st = scn_result_add_step(r, "shimane down, query again", "query", "okayama/dr-tanaka",
	    "emergency", 3000)) == NULL ||
	    scn_step_add_check(st, 1, "shimane refuses connections", "refused", "refused") == -1 ||
	    scn_step_add_hop(st, "ehr:okayama", "okayama", "ITI-18", 0, 31, SCN_HOP_OK,
	    "0 documents, 1 warning") == -1 ||
	    scn_step_add_hop(st, "okayama", "shimane", "ITI-38", 2, 3, SCN_HOP_REFUSED,
	    "connection refused") == -1 ||
	    scn_step_add_hop(st, "okayama", "sakata", "ITI-38", 2, 0, SCN_HOP_SKIPPED,
	    "no correlation") == -1 ||
	    scn_step_add_decision(st, "okayama", PATIENT, "emergency", "break-glass by %s",
	    "dr-tanaka") == -1)
		return -1;
	scn_step_end(st, 33);
	return 0;
}

/* The network of a --netns run: one CHILD_SA per pair of regions and purpose, as each
 * region saw it at the end. */
static int
add_tunnels(struct scn_result *r)
{
	if (scn_result_set_network(r, "netns") == -1 ||
	    scn_result_add_tunnel(r, "okayama", "shimane", "clinical", "down", 48211, 61733) == -1 ||
	    scn_result_add_tunnel(r, "okayama", "shimane", "emergency", "down", 9120, 7302) == -1 ||
	    scn_result_add_tunnel(r, "okayama", "sakata", "clinical", "up", 3310, 2104) == -1 ||
	    scn_result_add_tunnel(r, "sakata", "okayama", "clinical", "up", 2104, 3310) == -1 ||
	    scn_result_add_tunnel(r, "sakata", "<b>shimane</b> & \"co\"", "clinical", "idle", 0,
	    0) == -1 ||
	    scn_result_add_tunnel(r, "shimane", "okayama", "clinical", NULL, 0, 0) == -1)
		return -1;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct scn_result *r;
	char err[1024];
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: report_tool DIR\n");
		return 2;
	}
	r = scn_result_new("okayama-shimane 晴れやかネット × まめネット",
	    "tests/scenarios/okayama-shimane.yaml", "2024-05-01T09:00:00Z");
	if (r == NULL || add_regions(r) == -1 || add_query(r) == -1 || add_retrieve(r) == -1 ||
	    add_rest(r) == -1 || add_tunnels(r) == -1) {
		fprintf(stderr, "report_tool: out of memory\n");
		goto done;
	}
	scn_result_end(r, 3100);
	if (scn_report_write(r, argv[1], err, sizeof(err)) == -1) {
		fprintf(stderr, "report_tool: %s\n", err);
		goto done;
	}
	rc = 0;
done:
	scn_result_free(r);
	return rc;
}
