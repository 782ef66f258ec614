/*
 * gateway/vici: the asynchronous client (see vici.h). One connection per operation: VICI
 * has no request ids, so one connection carries one command at a time, and a shared one
 * would make a list wait behind an initiate that waits for a peer.
 */
#include "gateway/vici.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/str.h"

/* How long past charon's own initiate timeout we wait for its answer ("not established
 * after ...ms"), which says more than our "timeout". */
#define VICI_INITIATE_GRACE_MS	500
#define VICI_MAX_TIMEOUT_MS	(24 * 3600 * 1000)

enum vici_kind { VICI_OP_LIST, VICI_OP_INITIATE };

enum vici_stage {
	VICI_ST_REGISTER,	/* list: EVENT_REGISTER sent, awaiting EVENT_CONFIRM */
	VICI_ST_COMMAND		/* command sent, awaiting events and CMD_RESPONSE */
};

struct vici_op {
	TAILQ_ENTRY(vici_op)	 vo_entry;
	struct vici_client	*vo_vc;
	enum vici_kind		 vo_kind;
	enum vici_stage		 vo_stage;
	struct bufferevent	*vo_bev;	/* NULL when the connect failed */
	struct event		*vo_timer;
	struct vici_child	*vo_v;		/* list: gathered so far */
	size_t			 vo_n;
	vici_list_fn		 vo_list_fn;
	vici_done_fn		 vo_done_fn;
	void			*vo_arg;
	char			 vo_err[384];	/* the connect error, reported by the timer */
};

TAILQ_HEAD(vici_ops, vici_op);

struct vici_client {
	struct event_base	*vc_base;
	char			 vc_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int			 vc_timeout_ms;
	struct vici_ops		 vc_ops;
};

struct vici_client *
vici_client_new(struct event_base *base, const char *socket_path, int timeout_ms)
{
	struct vici_client *vc;

	if (socket_path == NULL)
		socket_path = VICI_DEFAULT_SOCKET;
	if (base == NULL || timeout_ms <= 0 || timeout_ms > VICI_MAX_TIMEOUT_MS ||
	    *socket_path == '\0')
		return NULL;
	if ((vc = calloc(1, sizeof(*vc))) == NULL)
		return NULL;
	if (str_copy(vc->vc_path, sizeof(vc->vc_path), socket_path) == -1) {
		free(vc);
		return NULL;
	}
	vc->vc_base = base;
	vc->vc_timeout_ms = timeout_ms;
	TAILQ_INIT(&vc->vc_ops);
	return vc;
}

/* Releases OP, which is no longer on its client's list. */
static void
vici_op_free(struct vici_op *op)
{
	if (op->vo_bev != NULL)
		bufferevent_free(op->vo_bev);
	if (op->vo_timer != NULL)
		event_free(op->vo_timer);
	free(op->vo_v);
	free(op);
}

void
vici_client_free(struct vici_client *vc)
{
	struct vici_op *op;

	if (vc == NULL)
		return;
	while ((op = TAILQ_FIRST(&vc->vc_ops)) != NULL) {
		TAILQ_REMOVE(&vc->vc_ops, op, vo_entry);
		vici_op_free(op);
	}
	free(vc);
}

size_t
vici_client_pending(const struct vici_client *vc)
{
	const struct vici_op *op;
	size_t n = 0;

	TAILQ_FOREACH(op, &vc->vc_ops, vo_entry)
		n++;
	return n;
}

/* Ends OP with ERR (NULL: success) and returns 1, for the packet handlers to say that OP
 * is gone. OP leaves the client's list and loses its connection before the callback, so
 * that the callback may start operations or free the client; ERR may point into OP, which
 * is freed only after the callback. */
static int
vici_op_finish(struct vici_op *op, const char *err)
{
	TAILQ_REMOVE(&op->vo_vc->vc_ops, op, vo_entry);
	if (op->vo_bev != NULL) {
		bufferevent_free(op->vo_bev);
		op->vo_bev = NULL;
	}
	if (op->vo_kind == VICI_OP_LIST)
		op->vo_list_fn(op->vo_arg, err, err == NULL ? op->vo_v : NULL,
		    err == NULL ? op->vo_n : 0);
	else
		op->vo_done_fn(op->vo_arg, err);
	vici_op_free(op);
	return 1;
}

static void
vici_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vici_op *op = arg;

	(void)fd;
	(void)what;
	vici_op_finish(op, op->vo_bev == NULL ? op->vo_err : "timeout");
}

/* Sends the finished builder M (NULL: it could not be made) and frees it. Returns 0, or
 * -1 when memory ran out. */
static int
vici_send(struct vici_op *op, struct vici_msg *m)
{
	const uint8_t *p;
	size_t len;
	int ret = -1;

	if (m != NULL && (p = vici_msg_packet(m, &len)) != NULL &&
	    bufferevent_write(op->vo_bev, p, len) == 0)
		ret = 0;
	vici_msg_free(m);
	return ret;
}

/* The answer to list-sas: the events are gathered until the command's response. Returns 1
 * when OP finished (and is gone), else 0. */
static int
vici_list_packet(struct vici_op *op, const struct vici_packet *pk)
{
	struct vici_msg *m;

	if (op->vo_stage == VICI_ST_REGISTER) {
		switch (pk->vp_type) {
		case VICI_EVENT_CONFIRM:
			op->vo_stage = VICI_ST_COMMAND;
			/* noblock: an IKE_SA busy in an exchange is listed as it stands instead
			 * of holding the whole answer (and the health poll) back */
			if ((m = vici_msg_new(VICI_CMD_REQUEST, "list-sas")) != NULL &&
			    vici_msg_kv_str(m, "noblock", "yes") == -1) {
				vici_msg_free(m);
				m = NULL;
			}
			if (vici_send(op, m) == -1)
				return vici_op_finish(op, "out of memory");
			return 0;
		case VICI_EVENT_UNKNOWN:
			return vici_op_finish(op, "charon does not know the list-sa event");
		case VICI_EVENT:
			return 0;
		default:
			return vici_op_finish(op, "malformed answer");
		}
	}
	switch (pk->vp_type) {
	case VICI_EVENT:
		if (strcmp(pk->vp_name, "list-sa") == 0 &&
		    vici_list_sa_decode(pk->vp_msg, pk->vp_msglen, &op->vo_v, &op->vo_n) == -1)
			return vici_op_finish(op, "malformed answer");
		return 0;
	case VICI_CMD_RESPONSE:
		return vici_op_finish(op, NULL);
	case VICI_CMD_UNKNOWN:
		return vici_op_finish(op, "charon does not know list-sas");
	default:
		return vici_op_finish(op, "malformed answer");
	}
}

struct vici_result {
	int	vr_success;
	char	vr_errmsg[256];
};

/* Root keys success and errmsg of a command's response; errmsg is cut to fit and made
 * printable, as it goes to logs and status pages. */
static int
vici_result_visit(void *arg, const struct vici_elem *e)
{
	struct vici_result *r = arg;
	size_t i, n;

	if (e->ve_type != VICI_KEY_VALUE || e->ve_depth != 0)
		return 0;
	if (strcmp(e->ve_name, "success") == 0)
		r->vr_success = e->ve_len == 3 && memcmp(e->ve_val, "yes", 3) == 0;
	else if (strcmp(e->ve_name, "errmsg") == 0) {
		n = e->ve_len < sizeof(r->vr_errmsg) ? e->ve_len : sizeof(r->vr_errmsg) - 1;
		for (i = 0; i < n; i++)
			r->vr_errmsg[i] = e->ve_val[i] >= 0x20 && e->ve_val[i] < 0x7f ?
			    (char)e->ve_val[i] : '?';
		r->vr_errmsg[n] = '\0';
	}
	return 0;
}

/* The answer to initiate; events (control-log, sent only to clients registered for it)
 * are skipped. Returns 1 when OP finished (and is gone), else 0. */
static int
vici_initiate_packet(struct vici_op *op, const struct vici_packet *pk)
{
	struct vici_result r;

	switch (pk->vp_type) {
	case VICI_EVENT:
		return 0;
	case VICI_CMD_RESPONSE:
		memset(&r, 0, sizeof(r));
		if (vici_msg_parse(pk->vp_msg, pk->vp_msglen, vici_result_visit, &r) == -1)
			return vici_op_finish(op, "malformed answer");
		if (r.vr_success)
			return vici_op_finish(op, NULL);
		snprintf(op->vo_err, sizeof(op->vo_err), "initiate failed%s%s",
		    r.vr_errmsg[0] != '\0' ? ": " : "", r.vr_errmsg);
		return vici_op_finish(op, op->vo_err);
	case VICI_CMD_UNKNOWN:
		return vici_op_finish(op, "charon does not know initiate");
	default:
		return vici_op_finish(op, "malformed answer");
	}
}

/* Handles every complete packet in the input, up to the one that finishes OP: OP and the
 * input buffer are gone after that one. */
static void
vici_read_cb(struct bufferevent *bev, void *arg)
{
	struct vici_op *op = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct vici_packet pk;
	uint8_t hdr[4], *p;
	size_t len;
	int done;

	while (evbuffer_copyout(in, hdr, 4) == 4) {
		/* The length is checked before the packet is waited for, so a huge one
		 * is refused at once instead of being buffered. */
		if (vici_frame_len(hdr, &len) == -1) {
			vici_op_finish(op, "malformed answer");
			return;
		}
		if (evbuffer_get_length(in) < 4 + len)
			return;
		if ((p = evbuffer_pullup(in, (ev_ssize_t)(4 + len))) == NULL) {
			vici_op_finish(op, "out of memory");
			return;
		}
		if (vici_packet_parse(p + 4, len, &pk) == -1) {
			vici_op_finish(op, "malformed answer");
			return;
		}
		done = op->vo_kind == VICI_OP_LIST ? vici_list_packet(op, &pk) :
		    vici_initiate_packet(op, &pk);
		if (done)
			return;
		evbuffer_drain(in, 4 + len);
	}
}

static void
vici_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct vici_op *op = arg;
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_EOF)
		vici_op_finish(op, "charon closed the connection");
	else if (what & BEV_EVENT_ERROR) {
		snprintf(op->vo_err, sizeof(op->vo_err), "vici connection: %s",
		    strerror(err));
		vici_op_finish(op, op->vo_err);
	}
}

/* Connects to VC's socket without blocking (a unix socket connects at once or fails at
 * once; EAGAIN means charon's backlog is full). Returns the socket, or -1 with the
 * reason in ERR. */
static int
vici_connect(const struct vici_client *vc, char *err, size_t errsz)
{
	struct sockaddr_un sa;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, vc->vc_path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd != -1 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	if (fd != -1)
		close(fd);
	snprintf(err, errsz, "%s: %s: %s", e == ENOENT || e == ECONNREFUSED ?
	    "charon not running" : "cannot connect to charon", vc->vc_path, strerror(e));
	return -1;
}

/* Makes an operation of KIND with its connection and its timer (TIMEOUT_MS). A failed
 * connect is no failure here: the timer fires at once and reports it, so that the
 * callback never runs inside the starting call. Returns NULL when memory ran out. */
static struct vici_op *
vici_op_new(struct vici_client *vc, enum vici_kind kind, int timeout_ms)
{
	struct vici_op *op;
	struct timeval tv = { 0, 0 };
	int fd;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->vo_vc = vc;
	op->vo_kind = kind;
	if ((op->vo_timer = evtimer_new(vc->vc_base, vici_timer_cb, op)) == NULL)
		goto fail;
	if ((fd = vici_connect(vc, op->vo_err, sizeof(op->vo_err))) != -1) {
		op->vo_bev = bufferevent_socket_new(vc->vc_base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (op->vo_bev == NULL) {
			close(fd);
			goto fail;
		}
		bufferevent_setcb(op->vo_bev, vici_read_cb, NULL, vici_event_cb, op);
		if (bufferevent_enable(op->vo_bev, EV_READ) == -1)
			goto fail;
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
	}
	if (evtimer_add(op->vo_timer, &tv) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(&vc->vc_ops, op, vo_entry);
	return op;
fail:
	vici_op_free(op);
	return NULL;
}

int
vici_list_sas(struct vici_client *vc, vici_list_fn fn, void *arg)
{
	struct vici_op *op;

	if (fn == NULL || (op = vici_op_new(vc, VICI_OP_LIST, vc->vc_timeout_ms)) == NULL)
		return -1;
	op->vo_list_fn = fn;
	op->vo_arg = arg;
	op->vo_stage = VICI_ST_REGISTER;
	/* Registered first, the command only once confirmed: the events stream during
	 * the command and would be lost without a registration. */
	if (op->vo_bev != NULL &&
	    vici_send(op, vici_msg_new(VICI_EVENT_REGISTER, "list-sa")) == -1) {
		TAILQ_REMOVE(&vc->vc_ops, op, vo_entry);
		vici_op_free(op);
		return -1;
	}
	return 0;
}

int
vici_initiate(struct vici_client *vc, const char *ike, const char *child,
    vici_done_fn fn, void *arg)
{
	struct vici_op *op;
	struct vici_msg *m;
	char tmo[16];
	size_t len;

	if (fn == NULL || (ike == NULL && child == NULL))
		return -1;
	/* charon's timeout ends its wait for the peer (0 would wait for good, holding one
	 * of its worker threads even after we hung up); ours leaves room for its answer. */
	snprintf(tmo, sizeof(tmo), "%d", vc->vc_timeout_ms);
	if ((m = vici_msg_new(VICI_CMD_REQUEST, "initiate")) == NULL ||
	    (child != NULL && vici_msg_kv_str(m, "child", child) == -1) ||
	    (ike != NULL && vici_msg_kv_str(m, "ike", ike) == -1) ||
	    vici_msg_kv_str(m, "timeout", tmo) == -1 || vici_msg_packet(m, &len) == NULL)
		goto fail;
	if ((op = vici_op_new(vc, VICI_OP_INITIATE,
	    vc->vc_timeout_ms + VICI_INITIATE_GRACE_MS)) == NULL)
		goto fail;
	op->vo_done_fn = fn;
	op->vo_arg = arg;
	op->vo_stage = VICI_ST_COMMAND;
	if (op->vo_bev != NULL && vici_send(op, m) == -1) {
		TAILQ_REMOVE(&vc->vc_ops, op, vo_entry);
		vici_op_free(op);
		return -1;
	}
	if (op->vo_bev == NULL)
		vici_msg_free(m);
	return 0;
fail:
	vici_msg_free(m);
	return -1;
}
