/* gateway/ctl_common: see ctl_common.h. */
#include "gateway/ctl_common.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/str.h"

const char *
ctl_operator(void)
{
	static char name[64];
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		str_copy(name, sizeof(name), pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid %u", (unsigned)getuid());
	return name;
}

void
ctl_audit_record(const struct config *cf, enum atna_event event, struct atna_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ar_event = event;
	r->ar_time_ms = atna_now_ms();
	r->ar_human = ctl_operator();
	r->ar_source_id = cf->cf_hcid;
	r->ar_site = cf->cf_name;
	r->ar_src_user = "hashictl";
	r->ar_src_region = cf->cf_hcid;
	r->ar_dst_region = cf->cf_hcid;
}
