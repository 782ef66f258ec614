/*
 * gateway/soap_priv: what soap.c, soap_hdr.c and soap_data.c share. Not for other modules:
 * they use gateway/soap.h.
 */
#ifndef HASHI_GATEWAY_SOAP_PRIV_H
#define HASHI_GATEWAY_SOAP_PRIV_H

#include "gateway/soap.h"

/* A buffer decoded by soap_element_bytes, kept until the message is freed. */
struct soap_blob {
	uint8_t			*sb_data;
	size_t			 sb_len;
	struct soap_blob	*sb_next;
};

struct soap_msg {
	xmlDocPtr		 sm_doc;
	xmlNodePtr		 sm_header;
	xmlNodePtr		 sm_body;
	xmlNodePtr		 sm_payload;
	struct soap_wsa		 sm_wsa;
	char			*sm_ttl;
	enum ihe_txn		 sm_txn;
	int			 sm_is_fault;
	int			 sm_mtom;
	struct mtom_part	*sm_parts;	/* every MIME part, root included */
	size_t			 sm_nparts;
	size_t			 sm_root;	/* index of the root part */
	struct soap_blob	*sm_blobs;
};

/* Processes the header blocks of MSG under LIM: mustUnderstand, wsa:mustUnderstand, and
 * the WS-Addressing headers into sm_wsa / sm_ttl. HTTP_ACTION is the Content-Type action
 * parameter ("" when absent). Checks the action (unless the payload is a received fault)
 * and, for requests, the reply endpoints. Returns 0, or -1 with FAULT filled. */
int soap_hdr_process(struct soap_msg *msg, const struct soap_limits *lim,
    const char *http_action, struct soap_fault *fault);

/* Returns 1 when S is only XML white space (or NULL). */
int soap_is_blank(const xmlChar *s);

#endif
