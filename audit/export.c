/*
 * audit/export: text, JSON lines, CSV and XML renderings of search results (formats in
 * export.h). Record values come from peers (user names, ids), so every rendering escapes
 * them for its reader: terminals, JSON parsers, spreadsheets, XML parsers.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/export.h"

int
export_format_parse(const char *name, enum export_format *fmt)
{
	static const struct { const char *n; enum export_format f; } tab[] = {
		{ "text", EXPORT_TEXT }, { "json", EXPORT_JSON }, { "csv", EXPORT_CSV },
		{ "xml", EXPORT_XML }
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(name, tab[i].n) == 0) {
			*fmt = tab[i].f;
			return 0;
		}
	return -1;
}

const char *
export_time(int64_t time_ms, char *buf, size_t bufsz)
{
	time_t t = (time_t)(time_ms / 1000);
	int ms = (int)(time_ms % 1000);
	struct tm tm;
	char s[32];

	if (ms < 0) {
		ms += 1000;
		t--;
	}
	if (gmtime_r(&t, &tm) == NULL || strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    snprintf(buf, bufsz, "%s.%03dZ", s, ms) >= (int)bufsz)
		snprintf(buf, bufsz, "?");
	return buf;
}

/* The length (1..4) of the valid UTF-8 sequence at S (N bytes left), or 0 if invalid. */
static size_t
export_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Writes S as a JSON string (quotes included). */
static void
export_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	fputc('"', f);
	while (n > 0) {
		if ((len = export_utf8_len(p, n)) == 0) {
			fputs("\\ufffd", f);
			len = 1;
		} else if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fwrite(p, 1, len, f);
		p += len;
		n -= len;
	}
	fputc('"', f);
}

/* Writes S for a terminal: control characters as \xNN, a backslash doubled. */
static void
export_text_str(FILE *f, const char *s)
{
	const unsigned char *p;

	if (s[0] == '\0') {
		fputc('-', f);
		return;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else if (*p == '\\')
			fputs("\\\\", f);
		else
			fputc(*p, f);
	}
}

/* Writes S as a CSV field (RFC 4180), guarding against spreadsheet formulas. */
static void
export_csv_str(FILE *f, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	const char *p;

	if (quote)
		fputc('"', f);
	if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0')
		fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
}

/* The patients of S joined by "~" into BUF (cut if it does not fit). */
static const char *
export_patients(const struct atna_summary *s, char *buf, size_t bufsz)
{
	size_t i, len = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < s->as_npatients && i < ATNA_SUMMARY_MAX_PATIENTS; i++) {
		n = snprintf(buf + len, bufsz - len, "%s%s", i > 0 ? "~" : "", s->as_patients[i]);
		if (n < 0 || (size_t)n >= bufsz - len)
			break;
		len += (size_t)n;
	}
	return buf;
}

static void
export_text(FILE *f, const struct search_hit *h)
{
	const struct atna_summary *s = h->sh_summary;
	const char *ev = atna_event_code(s->as_event);
	char t[40];
	size_t i;

	fprintf(f, "%llu %s %s outcome=%d user=", (unsigned long long)h->sh_seq,
	    export_time(s->as_time_ms, t, sizeof(t)), ev != NULL ? ev : "?", s->as_outcome);
	export_text_str(f, s->as_user);
	fputs(" from=", f);
	export_text_str(f, s->as_src_region);
	fputs(" to=", f);
	export_text_str(f, s->as_dst_region);
	fputs(" purpose=", f);
	export_text_str(f, s->as_purpose);
	fputs(" patients=", f);
	if (s->as_npatients == 0)
		fputc('-', f);
	for (i = 0; i < s->as_npatients && i < ATNA_SUMMARY_MAX_PATIENTS; i++) {
		if (i > 0)
			fputc(',', f);
		export_text_str(f, s->as_patients[i]);
	}
	fputs(h->sh_status == SEARCH_UNSIGNED ? " (not yet checkpointed)\n" : "\n", f);
}

static void
export_json(FILE *f, const struct search_hit *h)
{
	const struct atna_summary *s = h->sh_summary;
	const char *ev = atna_event_code(s->as_event);
	char t[40];
	size_t i;

	fprintf(f, "{\"seq\":%llu,\"time\":\"%s\",\"time_ms\":%lld,\"event\":",
	    (unsigned long long)h->sh_seq, export_time(s->as_time_ms, t, sizeof(t)),
	    (long long)s->as_time_ms);
	export_json_str(f, ev != NULL ? ev : "");
	fprintf(f, ",\"outcome\":%d,\"purpose\":", s->as_outcome);
	export_json_str(f, s->as_purpose);
	fputs(",\"user\":", f);
	export_json_str(f, s->as_user);
	fputs(",\"src_region\":", f);
	export_json_str(f, s->as_src_region);
	fputs(",\"dst_region\":", f);
	export_json_str(f, s->as_dst_region);
	fputs(",\"patients\":[", f);
	for (i = 0; i < s->as_npatients && i < ATNA_SUMMARY_MAX_PATIENTS; i++) {
		if (i > 0)
			fputc(',', f);
		export_json_str(f, s->as_patients[i]);
	}
	fprintf(f, "],\"checkpointed\":%s}\n", h->sh_status == SEARCH_SIGNED ? "true" : "false");
}

static void
export_csv(FILE *f, const struct search_hit *h)
{
	const struct atna_summary *s = h->sh_summary;
	const char *ev = atna_event_code(s->as_event);
	char t[40], pats[ATNA_SUMMARY_MAX_PATIENTS * ATNA_SUMMARY_FIELD];

	fprintf(f, "%llu,%s,%lld,", (unsigned long long)h->sh_seq,
	    export_time(s->as_time_ms, t, sizeof(t)), (long long)s->as_time_ms);
	export_csv_str(f, ev != NULL ? ev : "");
	fprintf(f, ",%d,", s->as_outcome);
	export_csv_str(f, s->as_purpose);
	fputc(',', f);
	export_csv_str(f, s->as_user);
	fputc(',', f);
	export_csv_str(f, s->as_src_region);
	fputc(',', f);
	export_csv_str(f, s->as_dst_region);
	fputc(',', f);
	export_csv_str(f, export_patients(s, pats, sizeof(pats)));
	fprintf(f, ",%s\r\n", h->sh_status == SEARCH_SIGNED ? "true" : "false");
}

int
export_begin(struct export *ex, FILE *out, enum export_format fmt)
{
	ex->ex_out = out;
	ex->ex_fmt = fmt;
	ex->ex_n = 0;
	if (fmt == EXPORT_CSV)
		fputs("seq,time,time_ms,event,outcome,purpose,user,src_region,dst_region,"
		    "patients,checkpointed\r\n", out);
	else if (fmt == EXPORT_XML)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>\n", out);
	return ferror(out) ? -1 : 0;
}

int
export_hit(struct export *ex, const struct search_hit *hit)
{
	FILE *f = ex->ex_out;

	if (hit->sh_status == SEARCH_INTEGRITY || hit->sh_summary == NULL)
		return -1;
	switch (ex->ex_fmt) {
	case EXPORT_TEXT:
		export_text(f, hit);
		break;
	case EXPORT_JSON:
		export_json(f, hit);
		break;
	case EXPORT_CSV:
		export_csv(f, hit);
		break;
	case EXPORT_XML:
		/* The signed bytes as they are: an auditor can hash each element again. */
		fprintf(f, "<!-- seq %llu -->\n", (unsigned long long)hit->sh_seq);
		fwrite(hit->sh_record, 1, hit->sh_len, f);
		fputc('\n', f);
		break;
	}
	ex->ex_n++;
	return ferror(f) ? -1 : 0;
}

int
export_end(struct export *ex)
{
	if (ex->ex_fmt == EXPORT_XML)
		fputs("</AuditMessages>\n", ex->ex_out);
	return fflush(ex->ex_out) != 0 || ferror(ex->ex_out) ? -1 : 0;
}
