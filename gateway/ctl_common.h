/*
 * gateway/ctl_common: what several hashictl command groups share.
 */
#ifndef HASHI_GATEWAY_CTL_COMMON_H
#define HASHI_GATEWAY_CTL_COMMON_H

#include "audit/atna.h"
#include "gateway/config.h"

/* Returns the login name of the operator running hashictl ("uid N" when the user has no
 * name), for the audit records of what they do. Static buffer. */
const char *ctl_operator(void);

/* Fills R (zeroed first) with EVENT, the current time, the operator as human requestor
 * and this appliance (CF) as audit source. */
void ctl_audit_record(const struct config *cf, enum atna_event event, struct atna_record *r);

#endif
