/* gateway/requester: see requester.h. */
#include "gateway/requester.h"

#include <stdlib.h>
#include <string.h>

#include "common/xml.h"
#include "gateway/soap.h"

/* Copies the text of NODE into OUT (SZ bytes): cut at a UTF-8 boundary,
 * control characters turned into spaces. */
static void
requester_text(const xmlNode *node, char *out, size_t sz)
{
	char *t = xml_text(node);
	size_t n, i;

	out[0] = '\0';
	if (t == NULL)
		return;
	n = strlen(t);
	if (n >= sz) {
		n = sz - 1;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;	/* do not cut a character in two */
	}
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)t[i] < 0x20 || t[i] == 0x7f ? ' ' : t[i];
	out[n] = '\0';
	free(t);
}

void
requester_read(const struct soap_msg *msg, struct requester *r)
{
	xmlNodePtr hdr = xml_child(soap_msg_header(msg), REQUESTER_NS, "Requester");

	memset(r, 0, sizeof(*r));
	requester_text(xml_child(soap_msg_header(msg), REQUESTER_NS, "PurposeOfUse"),
	    r->rq_purpose, sizeof(r->rq_purpose));
	if (hdr == NULL)
		return;
	requester_text(xml_child(hdr, REQUESTER_NS, "user"), r->rq_user, sizeof(r->rq_user));
	requester_text(xml_child(hdr, REQUESTER_NS, "reason"), r->rq_reason,
	    sizeof(r->rq_reason));
	r->rq_present = r->rq_user[0] != '\0' && r->rq_reason[0] != '\0';
	if (!r->rq_present) {
		r->rq_user[0] = '\0';
		r->rq_reason[0] = '\0';
	}
}

int
requester_put(struct strbuf *sb, const struct requester *r)
{
	if (r->rq_purpose[0] != '\0') {
		strbuf_puts(sb, "<hashi:PurposeOfUse xmlns:hashi=\"" REQUESTER_NS "\">");
		strbuf_put_xml(sb, r->rq_purpose);
		strbuf_puts(sb, "</hashi:PurposeOfUse>");
	}
	if (!r->rq_present)
		return sb->sb_failed ? -1 : 0;
	strbuf_puts(sb, "<hashi:Requester xmlns:hashi=\"" REQUESTER_NS "\"><hashi:user>");
	strbuf_put_xml(sb, r->rq_user);
	strbuf_puts(sb, "</hashi:user><hashi:reason>");
	strbuf_put_xml(sb, r->rq_reason);
	strbuf_puts(sb, "</hashi:reason></hashi:Requester>");
	return sb->sb_failed ? -1 : 0;
}
