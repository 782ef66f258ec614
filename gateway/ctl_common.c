/* gateway/ctl_common: see ctl_common.h. */
#include "gateway/ctl_common.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
	struct timespec ts;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_REALTIME, &ts);
	r->ar_event = event;
	r->ar_time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	r->ar_human = ctl_operator();
	r->ar_source_id = cf->cf_hcid;
	r->ar_site = cf->cf_name;
	r->ar_src_user = "hashictl";
	r->ar_src_region = cf->cf_hcid;
	r->ar_dst_region = cf->cf_hcid;
}
