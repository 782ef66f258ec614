/*
 * gateway/regerr: a list of ebRS RegistryErrors (errorCode, codeContext, location,
 * severity) collected while handling one request, and its rendering as an
 * rs:RegistryErrorList. Codes are the ITI TF-3 §4.2.4.1 names (XDSRegistryMetadataError,
 * XDSUnknownCommunity, ...). codeContext is our own short text: never copy peer-supplied
 * text into it without escaping (rendering escapes) and never into logs.
 */
#ifndef HASHI_GATEWAY_REGERR_H
#define HASHI_GATEWAY_REGERR_H

/* Hashi's RegistryError code for records refused for want of the patient's consent:
 * the clinician should ask the patient (the standard codes have no such case). */
#define REGERR_CONSENT_REQUIRED	"urn:hashi:error:ConsentRequired"

#include <stddef.h>

#include <libxml/tree.h>

#include "common/str.h"

#define RS_STATUS_SUCCESS	"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
#define RS_STATUS_FAILURE	"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
#define RS_STATUS_PARTIAL	"urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"
#define RS_STATUS_PARTIAL_OASIS	"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:PartialSuccess"
#define RS_SEVERITY_ERROR	"urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
#define RS_SEVERITY_WARNING	"urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning"

struct reg_error {
	char	*re_code;
	char	*re_context;
	char	*re_location;	/* NULL = no location attribute */
	int	 re_warning;	/* 1 = severity Warning, 0 = Error */
};

struct reg_errors {
	struct reg_error *rl_err;
	size_t		  rl_n;
	size_t		  rl_cap;
	int		  rl_nomem;	/* an add failed: treat the request as failed */
};

/* Appends an Error (WARNING = 0) or Warning. CONTEXT is printf-style. LOCATION may be NULL.
 * Copies everything. Returns 0, or -1 on allocation failure (rl_nomem is then set). */
int regerr_add(struct reg_errors *el, int warning, const char *code, const char *location,
    const char *context_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Returns the number of entries with severity Error. */
size_t regerr_nerrors(const struct reg_errors *el);

/* Returns the status URN for a response with HAVE_RESULTS results and the errors in EL:
 * Success (no errors), PartialSuccess (results and errors) or Failure (errors only). */
const char *regerr_status(const struct reg_errors *el, int have_results);

/* Appends <rs:RegistryErrorList highestSeverity=...> with every entry to SB, using the
 * prefix "rs" (the caller declares xmlns:rs). Appends nothing when EL is empty. */
int regerr_render(const struct reg_errors *el, struct strbuf *sb);

/* Moves every entry of SRC to the end of DST; SRC is left empty. Returns 0 or -1. */
int regerr_move(struct reg_errors *dst, struct reg_errors *src);

/* Copies every rs:RegistryError of LIST (an rs:RegistryErrorList; NULL accepted) into EL,
 * severity kept, as another actor reported it: a missing errorCode becomes DEFAULT_CODE, a
 * missing location DEFAULT_LOCATION (may be NULL). Its text is escaped when rendered and
 * must never be logged. */
void regerr_take_list(struct reg_errors *el, const xmlNode *list, const char *default_code,
    const char *default_location);

/* Frees the entries; EL may be reused afterwards. */
void regerr_clear(struct reg_errors *el);

#endif
