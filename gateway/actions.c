/* gateway/actions: see actions.h. */
#include "gateway/actions.h"

#include <stddef.h>
#include <string.h>

/* Canonical entries come first so that action_request_for() finds them before aliases. */
static const struct action_entry action_table[] = {
	{ ACTION_ITI18, ACTION_ITI18_RESP, TXN_ITI18, 0 },
	{ ACTION_ITI38, ACTION_ITI38_RESP, TXN_ITI38, 0 },
	{ ACTION_ITI39, ACTION_ITI39_RESP, TXN_ITI39, 0 },
	{ ACTION_ITI41, ACTION_ITI41_RESP, TXN_ITI41, 0 },
	{ ACTION_ITI43, ACTION_ITI43_RESP, TXN_ITI43, 0 },
	{ ACTION_ITI55, ACTION_ITI55_RESP, TXN_ITI55, 0 },
	{ ACTION_COSIGN, ACTION_COSIGN_RESP, TXN_COSIGN, 0 },
	{ ACTION_ITI18_ASYNC, ACTION_ITI18_RESP, TXN_ITI18, 1 },
};

#define ACTION_N	(sizeof(action_table) / sizeof(action_table[0]))

const struct action_entry *
action_by_request(const char *uri)
{
	size_t i;

	if (uri == NULL)
		return NULL;
	for (i = 0; i < ACTION_N; i++)
		if (strcmp(action_table[i].ae_request, uri) == 0)
			return &action_table[i];
	return NULL;
}

const struct action_entry *
action_by_response(const char *uri)
{
	size_t i;

	if (uri == NULL)
		return NULL;
	for (i = 0; i < ACTION_N; i++)
		if (strcmp(action_table[i].ae_response, uri) == 0)
			return &action_table[i];
	return NULL;
}

const char *
action_response_for(const char *request_uri)
{
	const struct action_entry *e = action_by_request(request_uri);

	return e != NULL ? e->ae_response : NULL;
}

const char *
action_request_for(enum ihe_txn txn)
{
	size_t i;

	for (i = 0; i < ACTION_N; i++)
		if (action_table[i].ae_txn == txn && !action_table[i].ae_alias)
			return action_table[i].ae_request;
	return NULL;
}

enum ihe_txn
action_txn(const char *uri)
{
	const struct action_entry *e;

	if ((e = action_by_request(uri)) != NULL ||
	    (e = action_by_response(uri)) != NULL)
		return e->ae_txn;
	return TXN_NONE;
}

const char *
action_txn_name(enum ihe_txn txn)
{
	switch (txn) {
	case TXN_NONE: return "none";
	case TXN_ITI18: return "ITI-18";
	case TXN_ITI38: return "ITI-38";
	case TXN_ITI39: return "ITI-39";
	case TXN_ITI41: return "ITI-41";
	case TXN_ITI43: return "ITI-43";
	case TXN_ITI55: return "ITI-55";
	case TXN_COSIGN: return "cosign";
	}
	return "none";
}
