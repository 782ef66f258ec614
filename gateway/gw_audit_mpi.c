/* gateway/gw_audit_mpi: the MPI journal's links and unlinks as audit records (see
 * gw_audit_int.h). Each journal event is recorded once: the journal cursor is committed
 * in the same transaction as the records made from it. */
#include "gateway/gw_audit.h"

#include <string.h>

#include "audit/auditlog.h"
#include "gateway/gw_audit_int.h"
#include "mpi/mpi.h"

#define GW_AUDIT_MPI_BATCH	256	/* journal events recorded per commit at most */

/* Returns the value of KEY= in the journal details DETAILS into BUF ("" if absent). */
static const char *
gw_audit_detail(const char *details, const char *key, char *buf, size_t bufsz)
{
	const char *p = details, *e;
	size_t klen = strlen(key), n;

	buf[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p == details || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			n = (e = strchr(p, ' ')) != NULL ? (size_t)(e - p) : strlen(p);
			if (n < bufsz) {
				memcpy(buf, p, n);
				buf[n] = '\0';
			}
			break;
		}
		p += klen;
	}
	return buf;
}

/* The record of journal event EV. */
static int
gw_audit_mpi_event(struct gw_audit *a, const struct mpi_event *ev)
{
	struct atna_record r;
	char pid[256], cx[MPI_ID_MAX], hcid[256];
	const char *pids[1];

	memset(&r, 0, sizeof(r));
	r.ar_event = ev->me_type == MPI_EV_UNLINK ? ATNA_MPI_UNLINK : ATNA_MPI_LINK;
	r.ar_time_ms = ev->me_time * 1000;
	r.ar_source_id = a->ga_source_id;
	r.ar_site = a->ga_site;
	r.ar_human = ev->me_actor;
	r.ar_src_region = a->ga_source_id;
	if (gw_audit_detail(ev->me_details, "hcid", hcid, sizeof(hcid))[0] != '\0')
		r.ar_dst_region = hcid;
	if (gw_audit_detail(ev->me_details, "pid", pid, sizeof(pid))[0] != '\0') {
		/* searched by the CX the transactions' records carry */
		pids[0] = mpi_pid_cx(a->ga_mpi, pid, cx, sizeof(cx)) == MPI_OK ? cx : pid;
		r.ar_patients = pids;
		r.ar_npatients = 1;
	}
	r.ar_object_id = mpi_event_name(ev->me_type);
	r.ar_detail = ev->me_details;
	return gw_audit_add(a, &r, NULL);
}

int
gw_audit_mpi(struct gw_audit *a, uint64_t *cursor)
{
	struct mpi_event ev;
	int n;

	*cursor = a->ga_mpi_cursor;
	if (a->ga_mpi == NULL)
		return 0;
	for (n = 0; n < GW_AUDIT_MPI_BATCH &&
	    mpi_event_next(a->ga_mpi, *cursor, &ev) == MPI_OK; n++) {
		if ((ev.me_type == MPI_EV_LINK || ev.me_type == MPI_EV_UNLINK ||
		    ev.me_type == MPI_EV_XREF) && gw_audit_mpi_event(a, &ev) == -1)
			return -1;
		*cursor = ev.me_seq;
	}
	return 0;
}
