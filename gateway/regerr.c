/* gateway/regerr: see regerr.h. */
#include "gateway/regerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xml.h"
#include "gateway/ebrim.h"

/* Drops an incomplete UTF-8 sequence that truncation left at the end of S, so that a
 * cut context still renders as valid XML text. */
static void
regerr_trim_utf8(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char lead;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && n - i < 3)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead < 0xc0)
		return;		/* ASCII, or no lead byte in reach: nothing to drop */
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

int
regerr_add(struct reg_errors *el, int warning, const char *code, const char *location,
    const char *context_fmt, ...)
{
	struct reg_error *e;
	char ctx[512];
	va_list ap;

	if (el->rl_n == el->rl_cap) {
		size_t cap = el->rl_cap ? el->rl_cap * 2 : 4;
		struct reg_error *p = reallocarray(el->rl_err, cap, sizeof(*p));

		if (p == NULL)
			goto nomem;
		el->rl_err = p;
		el->rl_cap = cap;
	}
	va_start(ap, context_fmt);
	if (vsnprintf(ctx, sizeof(ctx), context_fmt, ap) >= (int)sizeof(ctx))
		regerr_trim_utf8(ctx);
	va_end(ap);
	e = &el->rl_err[el->rl_n];
	memset(e, 0, sizeof(*e));
	e->re_warning = warning ? 1 : 0;
	e->re_code = str_dup(code);
	e->re_context = str_dup(ctx);
	e->re_location = location ? str_dup(location) : NULL;
	if (e->re_code == NULL || e->re_context == NULL ||
	    (location != NULL && e->re_location == NULL)) {
		free(e->re_code);
		free(e->re_context);
		free(e->re_location);
		goto nomem;
	}
	el->rl_n++;
	return 0;
nomem:
	el->rl_nomem = 1;
	return -1;
}

size_t
regerr_nerrors(const struct reg_errors *el)
{
	size_t i, n = 0;

	for (i = 0; i < el->rl_n; i++)
		if (!el->rl_err[i].re_warning)
			n++;
	return n + (el->rl_nomem ? 1 : 0);
}

const char *
regerr_status(const struct reg_errors *el, int have_results)
{
	if (regerr_nerrors(el) == 0)
		return RS_STATUS_SUCCESS;
	return have_results ? RS_STATUS_PARTIAL : RS_STATUS_FAILURE;
}

int
regerr_render(const struct reg_errors *el, struct strbuf *sb)
{
	size_t i;
	const struct reg_error *e;

	if (el->rl_n == 0)
		return 0;
	strbuf_printf(sb, "<rs:RegistryErrorList highestSeverity=\"%s\">",
	    regerr_nerrors(el) > 0 ? RS_SEVERITY_ERROR : RS_SEVERITY_WARNING);
	for (i = 0; i < el->rl_n; i++) {
		e = &el->rl_err[i];
		strbuf_puts(sb, "<rs:RegistryError errorCode=\"");
		strbuf_put_xml(sb, e->re_code);
		strbuf_puts(sb, "\" codeContext=\"");
		strbuf_put_xml(sb, e->re_context);
		strbuf_printf(sb, "\" severity=\"%s\"",
		    e->re_warning ? RS_SEVERITY_WARNING : RS_SEVERITY_ERROR);
		if (e->re_location != NULL) {
			strbuf_puts(sb, " location=\"");
			strbuf_put_xml(sb, e->re_location);
			strbuf_puts(sb, "\"");
		}
		strbuf_puts(sb, "/>");
	}
	strbuf_puts(sb, "</rs:RegistryErrorList>");
	return sb->sb_failed ? -1 : 0;
}

int
regerr_move(struct reg_errors *dst, struct reg_errors *src)
{
	size_t i;

	for (i = 0; i < src->rl_n; i++) {
		if (dst->rl_n == dst->rl_cap) {
			size_t cap = dst->rl_cap ? dst->rl_cap * 2 : 4;
			struct reg_error *p = reallocarray(dst->rl_err, cap, sizeof(*p));

			if (p == NULL) {
				dst->rl_nomem = 1;
				regerr_clear(src);
				return -1;
			}
			dst->rl_err = p;
			dst->rl_cap = cap;
		}
		dst->rl_err[dst->rl_n++] = src->rl_err[i];
	}
	dst->rl_nomem |= src->rl_nomem;
	free(src->rl_err);
	memset(src, 0, sizeof(*src));
	return 0;
}

void
regerr_take_list(struct reg_errors *el, const xmlNode *list, const char *default_code,
    const char *default_location)
{
	xmlNodePtr e;
	char *code, *ctx, *loc, *sev;

	for (e = xml_child(list, NS_RS, "RegistryError"); e != NULL;
	    e = xml_next(e, NS_RS, "RegistryError")) {
		code = xml_attr(e, "errorCode");
		ctx = xml_attr(e, "codeContext");
		loc = xml_attr(e, "location");
		sev = xml_attr(e, "severity");
		regerr_add(el, sev != NULL && strcmp(sev, RS_SEVERITY_WARNING) == 0,
		    code != NULL && code[0] != '\0' ? code : default_code,
		    loc != NULL && loc[0] != '\0' ? loc : default_location, "%s",
		    ctx != NULL ? ctx : "");
		free(code);
		free(ctx);
		free(loc);
		free(sev);
	}
}

void
regerr_clear(struct reg_errors *el)
{
	size_t i;

	for (i = 0; i < el->rl_n; i++) {
		free(el->rl_err[i].re_code);
		free(el->rl_err[i].re_context);
		free(el->rl_err[i].re_location);
	}
	free(el->rl_err);
	memset(el, 0, sizeof(*el));
}
