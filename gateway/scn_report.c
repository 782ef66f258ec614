/*
 * gateway/scn_report: what the three report writers share (text escaping, durations) and
 * writing them into the report directory (see scn_report.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fdio.h"
#include "common/str.h"
#include "gateway/scn_report.h"
#include "gateway/scn_report_int.h"

#define REPLACEMENT	0xFFFDu

size_t
scn_utf8_next(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c, min;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2; c = s[0] & 0x1F; min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3; c = s[0] & 0x0F; min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4; c = s[0] & 0x07; min = 0x10000;
	} else {
		*cp = REPLACEMENT;
		return 1;
	}
	/* a continuation byte that is missing (the NUL included) ends the sequence early */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = REPLACEMENT;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = REPLACEMENT;
		return 1;
	}
	*cp = c;
	return n;
}

int
scn_put_cp(struct strbuf *sb, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return strbuf_add(sb, b, n);
}

/* Returns the character XML and HTML may carry for CP: control characters become visible
 * (a C0 control picture, or U+FFFD) instead of making the document invalid. */
static uint32_t
xml_safe_cp(uint32_t cp)
{
	if (cp < 0x20)
		return 0x2400 + cp;
	if (cp == 0x7F)
		return 0x2421;
	if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF)
		return REPLACEMENT;
	return cp;
}

/* Appends one character of text for XML / HTML (see scn_put_xml). */
static int
put_xml_cp(struct strbuf *sb, uint32_t cp, int attr)
{
	switch (cp) {
	case '&': return strbuf_puts(sb, "&amp;");
	case '<': return strbuf_puts(sb, "&lt;");
	case '>': return strbuf_puts(sb, "&gt;");
	case '"': return strbuf_puts(sb, "&quot;");
	case '\'': return strbuf_puts(sb, "&#39;");
	case '\t': return attr ? strbuf_puts(sb, "&#9;") : strbuf_puts(sb, "\t");
	case '\n': return attr ? strbuf_puts(sb, "&#10;") : strbuf_puts(sb, "\n");
	case '\r': return strbuf_puts(sb, "&#13;");
	default: return scn_put_cp(sb, xml_safe_cp(cp));
	}
}

int
scn_put_xml(struct strbuf *sb, const char *s, int attr)
{
	uint32_t cp;

	if (s == NULL)
		return 0;
	while (*s != '\0') {
		s += scn_utf8_next(s, &cp);
		if (put_xml_cp(sb, cp, attr) == -1)
			return -1;
	}
	return 0;
}

/* Returns 2 for a wide or fullwidth East Asian character (kanji, kana, hangul, fullwidth
 * forms), else 1: enough to keep labels inside their boxes, not a full UAX #11 table. */
static size_t
cp_width(uint32_t cp)
{
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

size_t
scn_text_width(const char *s)
{
	size_t w = 0;
	uint32_t cp;

	while (s != NULL && *s != '\0') {
		s += scn_utf8_next(s, &cp);
		w += cp_width(cp);
	}
	return w;
}

int
scn_put_xml_cut(struct strbuf *sb, const char *s, size_t maxw)
{
	size_t w = 0;
	uint32_t cp;

	if (s == NULL)
		return 0;
	if (scn_text_width(s) <= maxw)
		return scn_put_xml(sb, s, 0);
	while (*s != '\0') {
		s += scn_utf8_next(s, &cp);
		/* leave one column for the ellipsis */
		if (w + cp_width(cp) + 1 > maxw)
			break;
		w += cp_width(cp);
		if (put_xml_cp(sb, cp, 0) == -1)
			return -1;
	}
	return strbuf_puts(sb, "\xE2\x80\xA6");
}

int
scn_put_json(struct strbuf *sb, const char *s)
{
	uint32_t cp;

	if (s == NULL)
		return strbuf_puts(sb, "null");
	if (strbuf_puts(sb, "\"") == -1)
		return -1;
	while (*s != '\0') {
		s += scn_utf8_next(s, &cp);
		switch (cp) {
		case '"': strbuf_puts(sb, "\\\""); break;
		case '\\': strbuf_puts(sb, "\\\\"); break;
		case '\n': strbuf_puts(sb, "\\n"); break;
		case '\r': strbuf_puts(sb, "\\r"); break;
		case '\t': strbuf_puts(sb, "\\t"); break;
		case '\b': strbuf_puts(sb, "\\b"); break;
		case '\f': strbuf_puts(sb, "\\f"); break;
		default:
			/* RFC 8259 requires only U+0000..U+001F; DEL too, so that a
			 * terminal showing the file shows it. UTF-8 passes through. */
			if (cp < 0x20 || cp == 0x7F)
				strbuf_printf(sb, "\\u%04x", (unsigned)cp);
			else
				scn_put_cp(sb, cp);
		}
	}
	strbuf_puts(sb, "\"");
	/* strbuf appends after a failure are no-ops, so one check at the end suffices */
	return sb->sb_failed ? -1 : 0;
}

int
scn_put_dur(struct strbuf *sb, long ms)
{
	if (ms < 10000)
		return strbuf_printf(sb, "%ld ms", ms);
	return strbuf_printf(sb, "%ld.%ld s", ms / 1000, (ms % 1000) / 100);
}

const char *
scn_atna_outcome_name(int outcome)
{
	switch (outcome) {
	case 0: return "success";
	case 4: return "minor failure";
	case 8: return "serious failure";
	case 12: return "major failure";
	default: return "unknown";
	}
}

/* Writes SB to DIR/NAME through a temporary file in DIR and rename(2). Returns 0, or -1
 * with the reason in ERR (the temporary file removed). */
static int
report_save(const char *dir, const char *name, const struct strbuf *sb, char *err,
    size_t errsz)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	const char *what = "write";
	int fd, n, ret = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp)) {
		snprintf(err, errsz, "%s/%s: path too long", dir, name);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errsz, "%s: cannot create a temporary file in %s: %s", path, dir,
		    strerror(errno));
		return -1;
	}
	/* mkstemp made it 0600, as hashictl's audit exports are: a report names patients */
	if (fdio_write_all(fd, sb->sb_data, sb->sb_len) == -1)
		goto done;
	what = "fsync";
	if (fsync(fd) == -1)
		goto done;
	what = "close";
	n = close(fd);
	fd = -1;
	if (n == -1)
		goto done;
	what = "rename";
	if (rename(tmp, path) == -1)
		goto done;
	ret = 0;
done:
	if (ret == -1) {
		snprintf(err, errsz, "%s: %s: %s", path, what, strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
	}
	return ret;
}

int
scn_report_write(const struct scn_result *r, const char *dir, char *err, size_t errsz)
{
	static const char *const names[3] = { SCN_REPORT_JUNIT, SCN_REPORT_JSON, SCN_REPORT_HTML };
	struct strbuf sb[3] = { { 0 }, { 0 }, { 0 } };
	struct stat st;
	size_t i;
	int ret = -1;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: cannot create the report directory: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "%s: not a directory", dir);
		return -1;
	}
	/* everything rendered first: running out of memory then writes nothing */
	if (scn_report_junit(r, &sb[0]) == -1 || scn_report_json(r, &sb[1]) == -1 ||
	    scn_report_html(r, &sb[2]) == -1) {
		snprintf(err, errsz, "%s: out of memory rendering the reports", dir);
		goto done;
	}
	for (i = 0; i < 3; i++)
		if (report_save(dir, names[i], &sb[i], err, errsz) == -1)
			goto done;
	ret = 0;
done:
	for (i = 0; i < 3; i++)
		strbuf_reset(&sb[i]);
	return ret;
}
