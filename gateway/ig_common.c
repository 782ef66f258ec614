/* gateway/ig_common: see ig_int.h. */
#include "gateway/ig_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xml.h"
#include "gateway/ebrim.h"

void
ig_unavailable(struct reg_errors *errs, const struct peer *peer, const char *why)
{
	regerr_add(errs, 0, "XDSUnavailableCommunity", peer->pr_hcid, "%s: %s",
	    peer->pr_name, why);
}

struct soap_msg *
ig_leg_message(const struct fanout_leg *leg, const struct soap_limits *base,
    struct reg_errors *errs)
{
	struct soap_limits lim;
	struct soap_fault f;
	struct soap_msg *msg = NULL;
	const char *problem;

	if ((problem = fanout_leg_problem(leg)) != NULL) {
		ig_unavailable(errs, leg->fl_peer, problem);
		return NULL;
	}
	lim = *base;
	lim.sl_expect_response = 1;
	/* the HTTP client already bounded the body: whatever arrived may be parsed */
	if (lim.sl_max_bytes < leg->fl_len + 1)
		lim.sl_max_bytes = leg->fl_len + 1;
	if (lim.sl_max_mtom_bytes < leg->fl_len + 1)
		lim.sl_max_mtom_bytes = leg->fl_len + 1;
	if (soap_parse(leg->fl_body, leg->fl_len, leg->fl_content_type, &lim, &msg, &f) == -1) {
		/* The peer's text is never logged or echoed; our reason is. */
		log_info("ig: %s answered with a malformed message (%s)",
		    leg->fl_peer->pr_name, f.sf_reason);
		ig_unavailable(errs, leg->fl_peer, "malformed answer");
		return NULL;
	}
	if (soap_msg_fault(msg, &f)) {
		log_info("ig: %s answered with a SOAP fault", leg->fl_peer->pr_name);
		ig_unavailable(errs, leg->fl_peer, "answered with a SOAP fault");
		soap_msg_free(msg);
		return NULL;
	}
	return msg;
}

