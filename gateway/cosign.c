/* gateway/cosign: see cosign.h. Not implemented yet: every request is refused. */
#include "gateway/cosign.h"

#include "gateway/exchange.h"

void
cosign_checkpoint(void *arg, const char *note, size_t len, uint64_t size)
{
	(void)arg;
	(void)note;
	(void)len;
	(void)size;
}

void
cosign_respond(struct exchange *ex)
{
	exchange_reply_internal(ex, "checkpoint co-signing is not available here");
}
