/*
 * audit/export: writing search results (struct search_hit from audit/search) for people
 * and for other tools. Integrity errors are never written: the caller reports them.
 *
 *   text  one line per record: seq, time (UTC), event, outcome, user, regions, purpose,
 *         patients, and "(not yet checkpointed)" for records after the last checkpoint;
 *         control characters are shown as \xNN.
 *   json  JSON lines: one object per line, keys seq, time, time_ms, event, outcome,
 *         purpose, user, src_region, dst_region, patients (array), checkpointed (bool);
 *         strings escaped per RFC 8259, invalid UTF-8 replaced by U+FFFD.
 *   csv   RFC 4180, CRLF line ends, a header line, the columns of json in that order with
 *         patients joined by "~" (the HL7 repetition separator); fields with a comma,
 *         quote, CR or LF are quoted with quotes doubled, and a text field starting with
 *         = + - @ TAB or CR gets a leading ' so that spreadsheets do not run it.
 *   xml   one document: an XML declaration, <AuditMessages>, then per record a comment
 *         "<!-- seq N -->" and the exact stored record bytes (the signed leaf, one
 *         AuditMessage element, not re-serialised), then </AuditMessages>.
 */
#ifndef HASHI_AUDIT_EXPORT_H
#define HASHI_AUDIT_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "audit/search.h"

enum export_format {
	EXPORT_TEXT = 1,
	EXPORT_JSON,
	EXPORT_CSV,
	EXPORT_XML
};

/* An export in progress. Caller-allocated; fields are private. */
struct export {
	FILE			*ex_out;
	enum export_format	 ex_fmt;
	uint64_t		 ex_n;
};

/* Parses the format NAME ("text", "json", "csv", "xml") into *FMT. Returns 0 or -1. */
int export_format_parse(const char *name, enum export_format *fmt);

/* Starts an export of FMT to OUT (borrowed) in *EX and writes its header (csv header
 * line, xml declaration and <AuditMessages>). Returns 0, or -1 on a write error. */
int export_begin(struct export *ex, FILE *out, enum export_format fmt);

/* Writes the result HIT (not an integrity error: those are refused with -1).
 * Returns 0, or -1 on a write error. */
int export_hit(struct export *ex, const struct search_hit *hit);

/* Writes the trailer (xml: </AuditMessages>) and flushes. Returns 0, or -1 when a write
 * of this export failed. */
int export_end(struct export *ex);

/* Formats TIME_MS (Unix ms) as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" into BUF.
 * Returns BUF ("?" when it cannot be represented). */
const char *export_time(int64_t time_ms, char *buf, size_t bufsz);

#endif
