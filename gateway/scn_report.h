/*
 * gateway/scn_report: the reports of a scenario run (gateway/scn_result.h), for the people
 * and the machines that sign it off:
 *
 *   junit.xml    JUnit XML for CI systems (Jenkins / Ant shape): one testsuite per scenario,
 *                one testcase per step, a <failure> listing each failed check;
 *   report.json  the whole result model;
 *   report.html  one self-contained page (inline CSS, no script, no external resource):
 *                summary, then per step its checks, a sequence diagram of its messages as
 *                inline SVG, its decisions, and links to the audit records it caused.
 *
 * All text from the model is escaped for its format. Text that is not valid UTF-8 has the
 * bad bytes replaced by U+FFFD; in XML and HTML, control characters (which XML 1.0 cannot
 * carry) are shown as their Unicode control pictures (U+2400 block); JSON escapes them.
 */
#ifndef HASHI_GATEWAY_SCN_REPORT_H
#define HASHI_GATEWAY_SCN_REPORT_H

#include <stddef.h>

#include "common/str.h"
#include "gateway/scn_result.h"

/* The file names scn_report_write creates in its directory. */
#define SCN_REPORT_JUNIT	"junit.xml"
#define SCN_REPORT_JSON		"report.json"
#define SCN_REPORT_HTML		"report.html"

/* Appends R as JUnit XML to OUT. Returns 0, or -1 on allocation failure (OUT then holds a
 * partial document: discard it). */
int scn_report_junit(const struct scn_result *r, struct strbuf *out);

/* Appends R as one JSON object to OUT. Returns 0, or -1 on allocation failure. */
int scn_report_json(const struct scn_result *r, struct strbuf *out);

/* Appends R as a self-contained HTML page to OUT. Returns 0, or -1 on allocation failure. */
int scn_report_html(const struct scn_result *r, struct strbuf *out);

/* Writes the three reports of R into DIR (created 0700 when it does not exist; its parent
 * must exist), each through a temporary file in DIR and rename(2), so that a report is
 * either whole or absent (an older report of the same name stays until replaced). All three
 * are rendered before any is written. Files are 0600, like hashictl's audit exports: a
 * report names patients. Returns 0, or -1 with the reason (naming the file) in ERR. */
int scn_report_write(const struct scn_result *r, const char *dir, char *err, size_t errsz);

#endif
