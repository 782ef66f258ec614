/* Unit tests for gateway/tunnel (tunnel.c, tunnel_render.c): the path table built from a
 * configuration loaded with config_load, the CHILD_SA states polled from a fake charon
 * that this file serves on a unix socket in a mkdtemp directory (same event loop), the
 * initiates it is asked for, charon being unreachable, reloads, the per-call notes and the
 * three renderings. The fake answers list-sas with list-sa events the test sets, answers
 * initiate with success, failure or not at all, and records what it was asked. It reads
 * requests with gateway/vici's packet parser and writes its answers with the small
 * encoder below (fk_*), not with the library's builder. */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/str.h"
#include "gateway/config.h"
#include "gateway/http_client.h"
#include "gateway/tunnel.h"
#include "gateway/tunnel_int.h"
#include "gateway/vici.h"
#include "tests/unit/tmpdir.h"

/* ---- a small encoder for the fake's answers (documented wire format) ---- */

struct fk_buf {
	uint8_t	b[8192];
	size_t	n;
};

static void
fk_raw(struct fk_buf *t, const void *p, size_t n)
{
	assert_true(t->n + n <= sizeof(t->b));
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static void
fk_u8(struct fk_buf *t, unsigned v)
{
	uint8_t c = (uint8_t)v;

	fk_raw(t, &c, 1);
}

static void
fk_name(struct fk_buf *t, const char *s)
{
	fk_u8(t, (unsigned)strlen(s));
	fk_raw(t, s, strlen(s));
}

static void
fk_sec(struct fk_buf *t, const char *name)
{
	fk_u8(t, VICI_SECTION_START);
	fk_name(t, name);
}

static void
fk_end(struct fk_buf *t)
{
	fk_u8(t, VICI_SECTION_END);
}

static void
fk_kv(struct fk_buf *t, const char *k, const char *v)
{
	size_t n = strlen(v);

	fk_u8(t, VICI_KEY_VALUE);
	fk_name(t, k);
	fk_u8(t, (unsigned)(n >> 8));
	fk_u8(t, (unsigned)(n & 0xff));
	fk_raw(t, v, n);
}

/* Appends a packet: length, TYPE, NAME (if not NULL), MSG (if not NULL). */
static void
fk_packet(struct fk_buf *out, unsigned type, const char *name, const struct fk_buf *msg)
{
	size_t len = 1 + (name != NULL ? 1 + strlen(name) : 0) + (msg != NULL ? msg->n : 0);

	fk_u8(out, (unsigned)(len >> 24) & 0xff);
	fk_u8(out, (unsigned)(len >> 16) & 0xff);
	fk_u8(out, (unsigned)(len >> 8) & 0xff);
	fk_u8(out, (unsigned)len & 0xff);
	fk_u8(out, type);
	if (name != NULL)
		fk_name(out, name);
	if (msg != NULL)
		fk_raw(out, msg->b, msg->n);
}

/* ---- the fake charon ---- */

#define FK_SAS		8
#define FK_INITS	16

/* One CHILD_SA charon lists; CHILD "" is an IKE_SA without CHILD_SAs. */
struct fk_sa {
	char			ike[32];
	char			child[32];
	char			state[16];
	unsigned long long	in, out;
};

/* How initiate is answered: success, failure, never, or success once fk_release says. */
enum fk_init { FK_INIT_OK, FK_INIT_FAIL, FK_INIT_SILENT, FK_INIT_HOLD };

struct fake;

struct fk_conn {
	LIST_ENTRY(fk_conn)	 entry;
	struct fake		*f;
	struct bufferevent	*bev;
	int			 answered_list;	/* a list-sas was answered on it */
	struct fk_buf		*held;		/* an answer kept back until fk_release */
	char			 held_ike[64];	/* a held initiate's CHILD_SA */
	char			 held_child[64];
};

struct fake {
	struct evconnlistener	*l;
	char			 path[PATH_MAX];
	struct fk_sa		 sa[FK_SAS];
	size_t			 nsa;
	int			 list_silent;	/* list-sas: never answered */
	int			 list_hold;	/* list-sas: answered (as it stood when
						   asked) once fk_release says */
	enum fk_init		 init_mode;
	int			 up_on_initiate;/* a good initiate lists the CHILD_SA */
	/* what it was asked */
	int			 nlist;		/* list-sas commands */
	int			 nlist_done;	/* answered lists whose client hung up */
	int			 ninit;
	struct {
		char	ike[64];
		char	child[64];
	}			 init[FK_INITS];
	int			 nopen;		/* connections open now */
	char			 bad[128];	/* the first thing it did not expect */
	LIST_HEAD(, fk_conn)	 conns;
};

static struct {
	struct event_base	*base;
	char			 dir[PATH_MAX];
	struct fake		 f[2];
	int			 ncf;		/* configs written */
	/* owned here so that a failed test (which longjmps) leaks nothing either */
	struct tunnels		*t;
	struct config		*cfs[8];
	int			 ncfs;
} T;

static void
fk_bad(struct fake *f, const char *what)
{
	if (f->bad[0] == '\0')
		snprintf(f->bad, sizeof(f->bad), "%s", what);
}

static void
fk_set(struct fake *f, size_t i, const char *ike, const char *child, const char *state,
    unsigned long long in, unsigned long long out)
{
	assert_true(i < FK_SAS);
	snprintf(f->sa[i].ike, sizeof(f->sa[i].ike), "%s", ike);
	snprintf(f->sa[i].child, sizeof(f->sa[i].child), "%s", child);
	snprintf(f->sa[i].state, sizeof(f->sa[i].state), "%s", state);
	f->sa[i].in = in;
	f->sa[i].out = out;
	if (i >= f->nsa)
		f->nsa = i + 1;
}

/* One list-sa event per run of entries with the same IKE_SA, then the response. */
static void
fk_answer_list(struct fk_conn *c)
{
	struct fake *f = c->f;
	struct fk_buf out = { .n = 0 }, m;
	char num[32], sec[48];
	size_t i = 0, k;

	while (i < f->nsa) {
		m.n = 0;
		fk_sec(&m, f->sa[i].ike);
		fk_kv(&m, "state", "ESTABLISHED");
		if (f->sa[i].child[0] != '\0')
			fk_sec(&m, "child-sas");
		for (k = i; k < f->nsa && strcmp(f->sa[k].ike, f->sa[i].ike) == 0; k++) {
			if (f->sa[k].child[0] == '\0')
				continue;
			snprintf(sec, sizeof(sec), "%s-%zu", f->sa[k].child, k + 1);
			fk_sec(&m, sec);
			fk_kv(&m, "name", f->sa[k].child);
			fk_kv(&m, "state", f->sa[k].state);
			snprintf(num, sizeof(num), "%llu", f->sa[k].in);
			fk_kv(&m, "bytes-in", num);
			snprintf(num, sizeof(num), "%llu", f->sa[k].out);
			fk_kv(&m, "bytes-out", num);
			fk_end(&m);
		}
		if (f->sa[i].child[0] != '\0')
			fk_end(&m);
		fk_end(&m);
		fk_packet(&out, VICI_EVENT, "list-sa", &m);
		i = k;
	}
	fk_packet(&out, VICI_CMD_RESPONSE, NULL, NULL);
	c->answered_list = 1;
	if (!f->list_hold) {
		bufferevent_write(c->bev, out.b, out.n);
		return;
	}
	assert_non_null(c->held = malloc(sizeof(*c->held)));
	*c->held = out;
}

struct fk_req {
	char	ike[64];
	char	child[64];
};

static int
fk_req_visit(void *arg, const struct vici_elem *e)
{
	struct fk_req *r = arg;
	char *dst;

	if (e->ve_type != VICI_KEY_VALUE || e->ve_depth != 0)
		return 0;
	if (strcmp(e->ve_name, "ike") == 0)
		dst = r->ike;
	else if (strcmp(e->ve_name, "child") == 0)
		dst = r->child;
	else
		return 0;
	snprintf(dst, sizeof(r->ike), "%.*s", (int)e->ve_len, (const char *)e->ve_val);
	return 0;
}

static void
fk_answer_initiate(struct fk_conn *c, const struct vici_packet *pk)
{
	struct fake *f = c->f;
	struct fk_buf out = { .n = 0 }, m = { .n = 0 };
	struct fk_req r;

	memset(&r, 0, sizeof(r));
	if (vici_msg_parse(pk->vp_msg, pk->vp_msglen, fk_req_visit, &r) == -1) {
		fk_bad(f, "malformed initiate");
		return;
	}
	if (f->ninit < FK_INITS) {
		snprintf(f->init[f->ninit].ike, sizeof(f->init[0].ike), "%s", r.ike);
		snprintf(f->init[f->ninit].child, sizeof(f->init[0].child), "%s", r.child);
	}
	f->ninit++;
	if (f->init_mode == FK_INIT_SILENT)
		return;
	if (f->init_mode == FK_INIT_HOLD) {
		snprintf(c->held_ike, sizeof(c->held_ike), "%s", r.ike);
		snprintf(c->held_child, sizeof(c->held_child), "%s", r.child);
	}
	if (f->init_mode == FK_INIT_OK && f->up_on_initiate && f->nsa < FK_SAS)
		fk_set(f, f->nsa, r.ike, r.child, "INSTALLED", 1, 1);
	fk_kv(&m, "success", f->init_mode != FK_INIT_FAIL ? "yes" : "no");
	if (f->init_mode == FK_INIT_FAIL)
		fk_kv(&m, "errmsg", "establishing CHILD_SA 'x' failed");
	fk_packet(&out, VICI_CMD_RESPONSE, NULL, &m);
	if (f->init_mode != FK_INIT_HOLD) {
		bufferevent_write(c->bev, out.b, out.n);
		return;
	}
	assert_non_null(c->held = malloc(sizeof(*c->held)));
	*c->held = out;
}

static void
fk_packet_in(struct fk_conn *c, const uint8_t *p, size_t len)
{
	struct vici_packet pk;

	if (vici_packet_parse(p, len, &pk) == -1) {
		fk_bad(c->f, "malformed packet");
		return;
	}
	if (pk.vp_type == VICI_EVENT_REGISTER && strcmp(pk.vp_name, "list-sa") == 0)
		bufferevent_write(c->bev, "\x00\x00\x00\x01\x05", 5);	/* CONFIRM */
	else if (pk.vp_type == VICI_CMD_REQUEST && strcmp(pk.vp_name, "list-sas") == 0) {
		c->f->nlist++;
		if (!c->f->list_silent)
			fk_answer_list(c);
	} else if (pk.vp_type == VICI_CMD_REQUEST && strcmp(pk.vp_name, "initiate") == 0)
		fk_answer_initiate(c, &pk);
	else
		fk_bad(c->f, "unexpected packet");
}

static void
fk_close(struct fk_conn *c)
{
	if (c->answered_list)
		c->f->nlist_done++;
	c->f->nopen--;
	LIST_REMOVE(c, entry);
	bufferevent_free(c->bev);
	free(c->held);
	free(c);
}

/* Sends the held answers: the initiates' (INITS) or the lists' (!INITS). A released
 * initiate lists its CHILD_SA from now on when up_on_initiate is set. */
static void
fk_release(struct fake *f, int inits)
{
	struct fk_conn *c;

	LIST_FOREACH(c, &f->conns, entry) {
		if (c->held == NULL || (c->held_child[0] != '\0') != inits)
			continue;
		if (inits && f->up_on_initiate && f->nsa < FK_SAS)
			fk_set(f, f->nsa, c->held_ike, c->held_child, "INSTALLED", 1, 1);
		bufferevent_write(c->bev, c->held->b, c->held->n);
		free(c->held);
		c->held = NULL;
	}
}

static void
fk_read(struct bufferevent *bev, void *arg)
{
	struct fk_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[4], *p;
	size_t len;

	while (evbuffer_copyout(in, hdr, 4) == 4) {
		len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
		if (evbuffer_get_length(in) < 4 + len)
			return;
		p = evbuffer_pullup(in, (ev_ssize_t)(4 + len));
		fk_packet_in(c, p + 4, len);
		evbuffer_drain(in, 4 + len);
	}
}

static void
fk_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		fk_close(arg);
}

static void
fk_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl,
    void *arg)
{
	struct fake *f = arg;
	struct fk_conn *c;

	(void)l;
	(void)sa;
	(void)sl;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		fk_bad(f, "out of memory");
		return;
	}
	c->f = f;
	c->bev = bufferevent_socket_new(T.base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, fk_read, NULL, fk_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	LIST_INSERT_HEAD(&f->conns, c, entry);
	f->nopen++;
}

/* Starts F listening on its path. */
static void
fk_listen(struct fake *f)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(f->path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, f->path, strlen(f->path));
	unlink(f->path);
	f->l = evconnlistener_new_bind(T.base, fk_accept, f, LEV_OPT_CLOSE_ON_FREE, 8,
	    (struct sockaddr *)&sa, sizeof(sa));
	assert_non_null(f->l);
}

/* Stops listening (the socket file stays: a connect is refused). */
static void
fk_stop(struct fake *f)
{
	if (f->l != NULL)
		evconnlistener_free(f->l);
	f->l = NULL;
}

static void
fk_free(struct fake *f)
{
	struct fk_conn *c;

	fk_stop(f);
	while ((c = LIST_FIRST(&f->conns)) != NULL)
		fk_close(c);
}

/* ---- the loop ---- */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop for about 5 ms. */
static void
spin(void)
{
	struct timeval tv = { 0, 5000 };

	event_base_loopexit(T.base, &tv);
	event_base_dispatch(T.base);
}

static void
run_ms(int ms)
{
	long long end = now_ms() + ms;

	while (now_ms() < end)
		spin();
}

/* Runs the loop until COND holds or MS milliseconds passed; then asserts COND. */
#define WAIT_FOR(cond, ms) do {						\
	long long end_ = now_ms() + (ms);				\
	while (!(cond) && now_ms() < end_)				\
		spin();							\
	if (!(cond))							\
		fail_msg("not within %d ms: %s", (ms), #cond);		\
} while (0)

/* ---- configurations ---- */

struct cfopt {
	int		 no_vpn;	/* no vpn sections at all */
	const char	*vici;		/* socket; NULL = T.f[0] */
	const char	*health;	/* NULL = 100ms */
	const char	*start;		/* start_action; NULL = absent (trap) */
	int		 no_initiate;	/* initiate: false */
	int		 kobe;		/* a third peer, with a VPN for clinical */
};

static const char cf_head[] =
	"community:\n"
	"  name: okayama\n"
	"  home_community_id: urn:oid:2.999.1\n"
	"  assigning_authority: 2.999.1.1\n"
	"  repository_unique_id: 2.999.1.2\n"
	"listen:\n"
	"  - {address: 127.0.0.1, port: 8443}\n"
	"tls:\n"
	"  certificate: gw.crt\n"
	"  private_key: gw.key\n"
	"  ca: ca.crt\n";

/* osaka: clinical and emergency through VPNs (when O has them), imaging not; nara: no VPN,
 * clinical and emergency; kobe (O->kobe): clinical through a VPN. */
static struct config *
load_cf(const struct cfopt *o)
{
	struct strbuf sb = { 0 };
	struct config *cf;
	char path[PATH_MAX + 32];
	char *text;
	FILE *fp;
	int vpn = !o->no_vpn;

	strbuf_puts(&sb, cf_head);
	if (vpn) {
		strbuf_printf(&sb, "vpn:\n  address: 192.0.2.1\n  vici_socket: %s\n"
		    "  health_interval: %s\n", o->vici != NULL ? o->vici : T.f[0].path,
		    o->health != NULL ? o->health : "100ms");
		if (o->start != NULL)
			strbuf_printf(&sb, "  start_action: %s\n", o->start);
		if (o->no_initiate)
			strbuf_puts(&sb, "  initiate: false\n");
		strbuf_puts(&sb, "  purposes:\n"
		    "    - {name: clinical, inner_address: 10.1.1.1}\n"
		    "    - {name: emergency, inner_address: 10.1.2.1}\n");
	}
	strbuf_puts(&sb, "peers:\n"
	    "  - name: osaka\n"
	    "    home_community_id: urn:oid:2.999.2\n"
	    "    assigning_authority: 2.999.2.1\n"
	    "    subject: CN=osaka\n"
	    "    query_url: https://10.2.1.1:8443/xca\n"
	    "    retrieve_url: https://10.2.1.1:8443/xca\n");
	if (vpn)
		strbuf_puts(&sb, "    vpn:\n      address: 192.0.2.2\n"
		    "      identity: CN=osaka-vpn\n      inner_address: 10.2.1.1\n");
	strbuf_puts(&sb, "    purposes:\n"
	    "      - name: emergency\n"
	    "        query_url: https://10.2.2.1:8443/xca\n"
	    "        retrieve_url: https://10.2.2.1:8443/xca\n");
	if (vpn)
		strbuf_puts(&sb, "        inner_address: 10.2.2.1\n");
	strbuf_puts(&sb, "      - name: imaging\n"
	    "        query_url: https://10.2.3.1:8443/xca\n"
	    "        retrieve_url: https://10.2.3.1:8443/xca\n"
	    "  - name: nara\n"
	    "    home_community_id: urn:oid:2.999.3\n"
	    "    assigning_authority: 2.999.3.1\n"
	    "    subject: CN=nara\n"
	    "    query_url: https://10.3.1.1:8443/xca\n"
	    "    retrieve_url: https://10.3.1.1:8443/xca\n"
	    "    purposes:\n"
	    "      - name: emergency\n"
	    "        query_url: https://10.3.2.1:8443/xca\n"
	    "        retrieve_url: https://10.3.2.1:8443/xca\n");
	if (vpn && o->kobe)
		strbuf_puts(&sb, "  - name: kobe\n"
		    "    home_community_id: urn:oid:2.999.4\n"
		    "    assigning_authority: 2.999.4.1\n"
		    "    subject: CN=kobe\n"
		    "    query_url: https://10.4.1.1:8443/xca\n"
		    "    retrieve_url: https://10.4.1.1:8443/xca\n"
		    "    vpn:\n      address: 192.0.2.4\n"
		    "      identity: CN=kobe-vpn\n      inner_address: 10.4.1.1\n");
	assert_false(sb.sb_failed);
	text = strbuf_take(&sb, NULL);
	snprintf(path, sizeof(path), "%s/hashid-%d.yaml", T.dir, T.ncf++);
	assert_non_null(fp = fopen(path, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0600), 0);
	free(text);
	cf = config_load(path, stderr);
	assert_non_null(cf);
	assert_true(T.ncfs < (int)(sizeof(T.cfs) / sizeof(T.cfs[0])));
	T.cfs[T.ncfs++] = cf;
	return cf;
}

/* Frees CF (from load_cf) now. */
static void
drop_cf(struct config *cf)
{
	int i;

	for (i = 0; i < T.ncfs; i++)
		if (T.cfs[i] == cf)
			T.cfs[i] = NULL;
	config_free(cf);
}

/* The test's path table on CF (one at a time). */
static struct tunnels *
tn_new(const struct config *cf)
{
	assert_null(T.t);
	T.t = tunnels_new(T.base, cf);
	assert_non_null(T.t);
	return T.t;
}

static void
drop_t(void)
{
	tunnels_free(T.t);
	T.t = NULL;
}

/* ---- renderings, taken apart ---- */

enum rend { R_PROM, R_JSON, R_TABLE };

/* Returns the rendering (caller frees; "" when nothing was written). */
static char *
render(const struct tunnels *t, enum rend r)
{
	struct strbuf sb = { 0 };
	char *s;
	int rc;

	rc = r == R_PROM ? tunnels_prom(t, &sb) : r == R_JSON ? tunnels_json(t, &sb) :
	    tunnels_table(t, &sb);
	assert_int_equal(rc, 0);
	if ((s = strbuf_take(&sb, NULL)) == NULL)
		s = calloc(1, 1);
	assert_non_null(s);
	return s;
}

/* 1 when the rendering R of T contains NEEDLE. */
static int
has(const struct tunnels *t, enum rend r, const char *needle)
{
	char *s = render(t, r);
	int found = strstr(s, needle) != NULL;

	free(s);
	return found;
}

/* Fails, showing the rendering, unless it contains NEEDLE (WANT 1) or lacks it (0). */
static void
assert_has_(const struct tunnels *t, enum rend r, const char *needle, int want,
    const char *file, int line)
{
	char *s = render(t, r);
	int found = strstr(s, needle) != NULL;

	if (found != want) {
		print_message("# %s:%d: %s \"%s\" in:\n%s\n", file, line,
		    want ? "no" : "unexpected", needle, s);
		free(s);
		fail();
	}
	free(s);
}

#define ASSERT_HAS(t, r, s)	assert_has_((t), (r), (s), 1, __FILE__, __LINE__)
#define ASSERT_LACKS(t, r, s)	assert_has_((t), (r), (s), 0, __FILE__, __LINE__)

/* The JSON object of PEER/PURPOSE into BUF ("" when there is none). */
static const char *
json_path(const struct tunnels *t, const char *peer, const char *purpose, char *buf,
    size_t bufsz)
{
	char *s = render(t, R_JSON), key[128], *p, *e;

	buf[0] = '\0';
	snprintf(key, sizeof(key), "{\"peer\":\"%s\",\"purpose\":\"%s\",", peer, purpose);
	if ((p = strstr(s, key)) != NULL && (e = strchr(p, '}')) != NULL)
		snprintf(buf, bufsz, "%.*s", (int)(e - p + 1), p);
	free(s);
	return buf;
}

/* The table row of PEER/PURPOSE into BUF ("" when there is none). */
static const char *
table_row(const struct tunnels *t, const char *peer, const char *purpose, char *buf,
    size_t bufsz)
{
	char *s = render(t, R_TABLE), key[64], *p, *e;

	buf[0] = '\0';
	snprintf(key, sizeof(key), "\n%-16s %-12s ", peer, purpose);
	if ((p = strstr(s, key)) != NULL && (e = strchr(p + 1, '\n')) != NULL)
		snprintf(buf, bufsz, "%.*s", (int)(e - p - 1), p + 1);
	free(s);
	return buf;
}

static const struct peer *
peer_of(const struct config *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->cf_npeers; i++)
		if (strcmp(cf->cf_peers[i].pr_name, name) == 0)
			return &cf->cf_peers[i];
	fail_msg("no peer %s", name);
	return NULL;
}

#define ST(t, peer, purpose)	tunnels_state((t), (peer), (purpose))

/* ---- setup ---- */

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	int i;

	(void)state;
	memset(&T, 0, sizeof(T));
	snprintf(T.dir, sizeof(T.dir), "%s/hashi-tunnel.XXXXXX", tmp != NULL && *tmp != '\0' ?
	    tmp : "/tmp");
	if (mkdtemp(T.dir) == NULL || (T.base = event_base_new()) == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		if (snprintf(T.f[i].path, sizeof(T.f[i].path), "%s/charon%d.vici", T.dir, i) >=
		    (int)sizeof(T.f[i].path))
			return -1;
		LIST_INIT(&T.f[i].conns);
	}
	fk_listen(&T.f[0]);
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	drop_t();
	for (i = 0; i < T.ncfs; i++)
		config_free(T.cfs[i]);
	for (i = 0; i < 2; i++) {
		if (T.f[i].bad[0] != '\0')
			print_message("# fake charon %d: %s\n", i, T.f[i].bad);
		fk_free(&T.f[i]);
	}
	event_base_free(T.base);
	return tmpdir_remove(T.dir);
}

/* ---- 1. the paths ---- */

static void
test_paths(void **state)
{
	struct cfopt o = { 0 };
	struct config *cf, *plain;
	struct tunnels *t;
	struct peer nobody;
	char why[128], name[] = "nowhere", *json;
	const char *p;
	int n = 0;

	(void)state;
	cf = load_cf(&o);
	t = tn_new(cf);
	/* before the first poll: VPN paths unknown, requests go */
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UNKNOWN);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_UNKNOWN);
	assert_int_equal(ST(t, "osaka", "imaging"), TUNNEL_NONE);	/* no inner address */
	assert_int_equal(ST(t, "nara", "clinical"), TUNNEL_NONE);
	assert_int_equal(ST(t, "nara", "emergency"), TUNNEL_NONE);
	assert_int_equal(ST(t, "kyoto", "clinical"), TUNNEL_NONE);
	assert_int_equal(ST(t, "osaka", "dental"), TUNNEL_NONE);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "clinical", why, sizeof(why)),
	    1);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "emergency", NULL, 0), 1);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "nara"), "clinical", NULL, 0), 1);
	memset(&nobody, 0, sizeof(nobody));
	nobody.pr_name = name;
	assert_int_equal(tunnels_usable(t, &nobody, "clinical", why, sizeof(why)), 1);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "dental", NULL, 0), 1);
	ASSERT_HAS(t, R_JSON, "\"vici\":\"not asked yet\"");
	ASSERT_HAS(t, R_PROM, "hashi_vici_up 0\n");
	/* exactly the five paths: osaka x3, nara x2 */
	json = render(t, R_JSON);
	for (p = json; (p = strstr(p, "{\"peer\":")) != NULL; p++)
		n++;
	free(json);
	assert_int_equal(n, 5);
	drop_t();

	/* no vpn section: every path NONE, and charon is never asked */
	o.no_vpn = 1;
	plain = load_cf(&o);
	t = tn_new(plain);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_NONE);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_NONE);
	run_ms(300);
	assert_int_equal(T.f[0].nlist + T.f[0].ninit, 0);
	ASSERT_HAS(t, R_JSON, "\"vici\":null");
	ASSERT_HAS(t, R_JSON, "{\"peer\":\"osaka\",\"purpose\":\"clinical\","
	    "\"tunnel\":\"none\"");
	drop_t();
	drop_cf(plain);
	drop_cf(cf);
	tunnels_free(NULL);
}

/* ---- 2. polling ---- */

static void
test_poll_up(void **state)
{
	struct cfopt o = { .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	char js[1024];

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 100, 200);
	fk_set(&T.f[0], 1, "osaka", "emergency", "REKEYING", 300, 400);
	/* the same names under another IKE_SA are not osaka's */
	fk_set(&T.f[0], 2, "kyoto", "clinical", "INSTALLED", 5, 5);
	/* nor do SAs named after paths that do not run through a VPN count */
	fk_set(&T.f[0], 3, "nara", "clinical", "INSTALLED", 77, 88);
	fk_set(&T.f[0], 4, "osaka", "imaging", "INSTALLED", 77, 88);
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist_done >= 1, 1000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UP);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_UP);
	assert_int_equal(ST(t, "nara", "clinical"), TUNNEL_NONE);
	assert_int_equal(ST(t, "osaka", "imaging"), TUNNEL_NONE);
	assert_non_null(strstr(json_path(t, "nara", "clinical", js, sizeof(js)),
	    "\"tunnel\":\"none\",\"since\":0,\"bytes_in\":0,\"bytes_out\":0,"));
	assert_non_null(strstr(json_path(t, "osaka", "imaging", js, sizeof(js)),
	    "\"bytes_in\":0,\"bytes_out\":0,"));
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "emergency", NULL, 0), 1);
	ASSERT_HAS(t, R_PROM, "hashi_vici_up 1\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"clinical\","
	    "direction=\"in\"} 100\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"emergency\","
	    "direction=\"out\"} 400\n");
	ASSERT_HAS(t, R_JSON, "\"vici\":\"ok\"");

	/* the CHILD_SA goes: only the IKE_SA is listed */
	T.f[0].nsa = 0;
	fk_set(&T.f[0], 0, "osaka", "", "", 0, 0);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_IDLE, 1000);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_IDLE);
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"clinical\","
	    "direction=\"in\"} 0\n");
	assert_string_equal(T.f[0].bad, "");
	drop_t();
	drop_cf(cf);
}

static void
test_poll_down_start_none(void **state)
{
	struct cfopt o = { .start = "none", .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	char why[128] = "untouched";

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1, 1);
	fk_set(&T.f[0], 1, "osaka", "emergency", "ROUTED", 0, 0);	/* a trap, not an SA */
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist_done >= 1, 1000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UP);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_DOWN);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "emergency", why,
	    sizeof(why)), 0);
	assert_non_null(strstr(why, "emergency"));
	assert_non_null(strstr(why, "osaka"));
	assert_string_equal(why, "the emergency tunnel to osaka is down");
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "clinical", NULL, 0), 1);
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_up{peer=\"osaka\",purpose=\"emergency\"} 0\n");
	/* it comes up; then clinical goes down */
	fk_set(&T.f[0], 1, "osaka", "emergency", "INSTALLED", 9, 9);
	WAIT_FOR(ST(t, "osaka", "emergency") == TUNNEL_UP, 1000);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "emergency", NULL, 0), 1);
	fk_set(&T.f[0], 0, "osaka", "clinical", "DELETING", 1, 1);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_DOWN, 1000);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "clinical", why,
	    sizeof(why)), 0);
	assert_string_equal(why, "the clinical tunnel to osaka is down");
	assert_int_equal(T.f[0].ninit, 0);
	drop_t();
	drop_cf(cf);
}

static void
test_poll_trap_idle(void **state)
{
	struct cfopt o = { .start = "trap", .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	char row[256], want[64];

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "ROUTED", 0, 0);
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist_done >= 1, 1000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_IDLE);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_IDLE);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "clinical", NULL, 0), 1);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "emergency", NULL, 0), 1);
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_up{peer=\"osaka\",purpose=\"clinical\"} 0\n");
	snprintf(want, sizeof(want), "%-16s %-12s idle ", "osaka", "clinical");
	table_row(t, "osaka", "clinical", row, sizeof(row));
	assert_memory_equal(row, want, strlen(want));
	drop_t();
	drop_cf(cf);
}

/* A rekey lists the CHILD_SA twice: the larger counters are kept, whichever comes first. */
static void
test_poll_rekey_counters(void **state)
{
	struct cfopt o = { .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "REKEYED", 5000, 6000);
	fk_set(&T.f[0], 1, "osaka", "clinical", "INSTALLED", 10, 20);
	fk_set(&T.f[0], 2, "osaka", "emergency", "INSTALLED", 7000, 1);
	fk_set(&T.f[0], 3, "osaka", "emergency", "REKEYING", 5, 5);
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist_done >= 1, 1000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UP);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_UP);
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"clinical\","
	    "direction=\"in\"} 5000\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"clinical\","
	    "direction=\"out\"} 6000\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"emergency\","
	    "direction=\"in\"} 7000\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"emergency\","
	    "direction=\"out\"} 1\n");
	/* the old SA gone: the new one's counters, not a leftover maximum */
	T.f[0].nsa = 0;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 10, 20);
	WAIT_FOR(has(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"clinical\","
	    "direction=\"in\"} 10\n"), 1000);
	drop_t();
	drop_cf(cf);
}

/* ---- 3. initiate ---- */

static int
init_count(const struct fake *f, const char *ike, const char *child)
{
	int i, n = 0;

	for (i = 0; i < f->ninit && i < FK_INITS; i++)
		if (strcmp(f->init[i].ike, ike) == 0 && strcmp(f->init[i].child, child) == 0)
			n++;
	return n;
}

static void
test_initiate_throttled(void **state)
{
	struct cfopt o = { 0 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	struct tunnel_path *tp;
	int polls;

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1, 1);
	t = tn_new(cf);
	WAIT_FOR(T.f[0].ninit >= 1, 1000);
	assert_int_equal(init_count(&T.f[0], "osaka", "emergency"), 1);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_IDLE);	/* charon said yes */
	/* several more polls: no second initiate within 10 s, none for the up path */
	polls = T.f[0].nlist_done;
	WAIT_FOR(T.f[0].nlist_done >= polls + 4, 2000);
	assert_int_equal(T.f[0].ninit, 1);
	assert_int_equal(init_count(&T.f[0], "osaka", "clinical"), 0);
	/* ten seconds later (the clock moved by hand) it is asked again */
	assert_non_null(tp = tunnels_find(t, "osaka", "emergency"));
	tp->tp_last_initiate -= 11;
	WAIT_FOR(T.f[0].ninit >= 2, 1000);
	assert_int_equal(init_count(&T.f[0], "osaka", "emergency"), 2);
	assert_string_equal(T.f[0].bad, "");
	drop_t();
	drop_cf(cf);
}

/* start_action none: every DOWN path is initiated, once. */
static void
test_initiate_down(void **state)
{
	struct cfopt o = { .start = "none" };
	struct config *cf = load_cf(&o);
	struct tunnels *t;

	(void)state;
	t = tn_new(cf);
	WAIT_FOR(T.f[0].ninit >= 2, 1000);
	run_ms(400);
	assert_int_equal(T.f[0].ninit, 2);
	assert_int_equal(init_count(&T.f[0], "osaka", "clinical"), 1);
	assert_int_equal(init_count(&T.f[0], "osaka", "emergency"), 1);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_DOWN);
	assert_true(T.f[0].nlist >= 3);
	drop_t();
	drop_cf(cf);
}

static void
test_initiate_disabled(void **state)
{
	struct cfopt o = { .start = "start", .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;

	(void)state;
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist_done >= 4, 2000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_DOWN);
	assert_int_equal(T.f[0].ninit, 0);
	drop_t();
	drop_cf(cf);
}

/* A failed initiate makes an idle path down (the trap did not help either) until charon
 * lists the CHILD_SA; after that, missing again means idle again. */
static void
test_initiate_failure(void **state)
{
	struct cfopt o = { .health = "5s" }, fast = { 0 };
	struct config *cf = load_cf(&o), *cf2 = load_cf(&fast);
	struct tunnels *t;
	char why[128];
	int polls;

	(void)state;
	T.f[0].init_mode = FK_INIT_FAIL;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1, 1);
	t = tn_new(cf);
	/* down when charon answers, not at the next poll 5 s later */
	WAIT_FOR(ST(t, "osaka", "emergency") == TUNNEL_DOWN, 1000);
	assert_int_equal(T.f[0].nlist, 1);
	assert_int_equal(init_count(&T.f[0], "osaka", "emergency"), 1);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "emergency", why,
	    sizeof(why)), 0);
	assert_string_equal(why, "the emergency tunnel to osaka is down");
	/* the next polls (100 ms from now on) keep it down: the failure is remembered */
	assert_int_equal(tunnels_reconfigure(t, cf2), 0);
	polls = T.f[0].nlist_done;
	WAIT_FOR(T.f[0].nlist_done >= polls + 2, 1000);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_DOWN);
	assert_int_equal(T.f[0].ninit, 1);
	/* charon brings it up after all */
	fk_set(&T.f[0], 1, "osaka", "emergency", "INSTALLED", 1, 1);
	WAIT_FOR(ST(t, "osaka", "emergency") == TUNNEL_UP, 1000);
	/* and it goes away: idle again, the old failure forgotten */
	T.f[0].nsa = 1;
	WAIT_FOR(ST(t, "osaka", "emergency") != TUNNEL_UP, 1000);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_IDLE);
	drop_t();
	drop_cf(cf);
	drop_cf(cf2);
}

/* charon reports an initiate done while a poll is in flight whose answer predates the new
 * CHILD_SA: the promised poll "at once" must still follow, not the next interval (5 s). */
static void
test_initiate_success_during_poll(void **state)
{
	struct cfopt o = { .health = "5s", .start = "none" };
	struct config *cf = load_cf(&o);
	struct tunnels *t;

	(void)state;
	T.f[0].init_mode = FK_INIT_HOLD;
	T.f[0].up_on_initiate = 1;
	t = tn_new(cf);
	WAIT_FOR(T.f[0].ninit >= 2, 1000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_DOWN);
	/* a poll starts (here: the one a reload asks for) and charon holds its answer */
	T.f[0].list_hold = 1;
	assert_int_equal(tunnels_reconfigure(t, cf), 0);
	WAIT_FOR(T.f[0].nlist >= 2, 1000);
	/* the initiates succeed; then the stale list arrives */
	fk_release(&T.f[0], 1);
	run_ms(50);
	T.f[0].list_hold = 0;
	fk_release(&T.f[0], 0);
	WAIT_FOR(T.f[0].nlist_done >= 2, 1000);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP, 1500);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_UP);
	drop_t();
	drop_cf(cf);
}

/* A successful initiate is followed by a poll at once, not an interval (5 s) later. */
static void
test_initiate_success_repolls(void **state)
{
	struct cfopt o = { .health = "5s", .start = "none" };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	long long t0 = now_ms();

	(void)state;
	T.f[0].up_on_initiate = 1;
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist >= 2, 1500);
	assert_true(now_ms() - t0 < 2000);
	assert_true(T.f[0].ninit >= 1);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP &&
	    ST(t, "osaka", "emergency") == TUNNEL_UP, 1500);
	assert_true(now_ms() - t0 < 3000);
	assert_int_equal(T.f[0].ninit, 2);
	drop_t();
	drop_cf(cf);
}

/* ---- 4. charon unreachable ---- */

static void
test_unreachable(void **state)
{
	struct cfopt o = { .vici = T.f[1].path, .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	char want[PATH_MAX + 128];

	(void)state;
	t = tn_new(cf);
	run_ms(250);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UNKNOWN);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_UNKNOWN);
	assert_int_equal(ST(t, "nara", "clinical"), TUNNEL_NONE);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "clinical", NULL, 0), 1);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "emergency", NULL, 0), 1);
	snprintf(want, sizeof(want), "\"vici\":\"charon not running: %s: No such file or "
	    "directory\"", T.f[1].path);
	ASSERT_HAS(t, R_JSON, want);
	ASSERT_HAS(t, R_PROM, "hashi_vici_up 0\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_up{peer=\"osaka\",purpose=\"clinical\"} 0\n");
	ASSERT_HAS(t, R_TABLE, "VPN: charon cannot be asked: charon not running");
	/* charon starts: the next poll knows */
	fk_set(&T.f[1], 0, "osaka", "clinical", "INSTALLED", 1, 1);
	fk_listen(&T.f[1]);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP, 1000);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_IDLE);
	ASSERT_HAS(t, R_PROM, "hashi_vici_up 1\n");
	ASSERT_HAS(t, R_JSON, "\"vici\":\"ok\"");
	ASSERT_LACKS(t, R_TABLE, "charon cannot be asked");
	/* charon stops (socket file left behind): unknown again */
	fk_stop(&T.f[1]);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UNKNOWN, 1000);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_UNKNOWN);
	ASSERT_HAS(t, R_JSON, "Connection refused");
	ASSERT_HAS(t, R_PROM, "hashi_vici_up 0\n");
	drop_t();
	drop_cf(cf);
}

/* A socket path vici cannot use (the config check would refuse it; set here by hand):
 * the states become unknown, status says why, nothing breaks, a reload recovers. */
static void
test_unusable_socket_path(void **state)
{
	struct cfopt o = { 0 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	char longpath[160], *saved;

	(void)state;
	memset(longpath, 'p', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1, 1);
	t = tn_new(cf);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP, 1000);
	saved = cf->cf_vpn_vici;
	cf->cf_vpn_vici = longpath;
	assert_int_equal(tunnels_reconfigure(t, cf), 0);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UNKNOWN, 1000);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_UNKNOWN);
	assert_int_equal(tunnels_usable(t, peer_of(cf, "osaka"), "clinical", NULL, 0), 1);
	ASSERT_HAS(t, R_JSON, "\"vici\":\"cannot use the vici socket /ppp");
	ASSERT_HAS(t, R_PROM, "hashi_vici_up 0\n");
	/* a reload to a usable socket recovers */
	cf->cf_vpn_vici = saved;
	assert_int_equal(tunnels_reconfigure(t, cf), 0);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP, 1000);
	ASSERT_HAS(t, R_JSON, "\"vici\":\"ok\"");
	drop_t();
	drop_cf(cf);
}

/* ---- 5. reload ---- */

static void
test_reconfigure_keeps(void **state)
{
	struct cfopt o = { .health = "5s", .no_initiate = 1 };
	struct config *a = load_cf(&o), *b;
	struct tunnels *t;
	char before[1024], after[1024], row[256];

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 11, 22);
	fk_set(&T.f[0], 1, "kobe", "clinical", "INSTALLED", 1, 1);
	t = tn_new(a);
	WAIT_FOR(T.f[0].nlist_done >= 1, 1000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UP);
	tunnels_note_call(t, "osaka", "clinical", HTTP_OK, 200, 42, NULL);
	tunnels_note_call(t, "nara", "clinical", HTTP_ERR_TIMEOUT, 0, 5000, "read timeout");
	json_path(t, "osaka", "clinical", before, sizeof(before));
	assert_string_not_equal(before, "");
	o.kobe = 1;
	b = load_cf(&o);
	assert_int_equal(tunnels_reconfigure(t, b), 0);
	drop_cf(a);		/* the table must not point into the old config */
	json_path(t, "osaka", "clinical", after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_IDLE);
	assert_int_equal(ST(t, "kobe", "clinical"), TUNNEL_UNKNOWN);
	assert_non_null(strstr(json_path(t, "nara", "clinical", after, sizeof(after)),
	    "\"last_error_what\":\"read timeout\",\"last_ms\":5000"));
	assert_non_null(strstr(table_row(t, "osaka", "clinical", row, sizeof(row)), " 42 "));
	/* charon is asked again at once, not after the 5 s interval */
	WAIT_FOR(T.f[0].nlist_done >= 2, 1000);
	assert_int_equal(ST(t, "kobe", "clinical"), TUNNEL_UP);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UP);
	drop_t();
	drop_cf(b);
}

static void
test_reconfigure_switch_socket(void **state)
{
	struct cfopt o = { .no_initiate = 1 }, o2 = { .vici = T.f[1].path, .no_initiate = 1,
	    .start = "none" };
	struct config *a = load_cf(&o), *b = load_cf(&o2);
	struct tunnels *t;
	int seen;

	(void)state;
	fk_listen(&T.f[1]);
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1, 1);
	t = tn_new(a);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP, 1000);
	assert_int_equal(T.f[1].nlist, 0);
	assert_int_equal(tunnels_reconfigure(t, b), 0);
	WAIT_FOR(T.f[1].nlist_done >= 1, 1000);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_DOWN);	/* charon 1 lists none */
	seen = T.f[0].nlist;
	run_ms(350);
	assert_int_equal(T.f[0].nlist, seen);
	assert_true(T.f[1].nlist >= 3);
	drop_t();
	drop_cf(a);
	drop_cf(b);
}

static void
test_reconfigure_remove_vpn(void **state)
{
	struct cfopt o = { .start = "none" }, none = { .no_vpn = 1 };
	struct config *a = load_cf(&o), *b = load_cf(&none);
	struct tunnels *t;
	char *prom;
	int nl, ni, empty;

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1, 1);
	T.f[0].init_mode = FK_INIT_SILENT;	/* the emergency initiate stays in flight */
	t = tn_new(a);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP &&
	    ST(t, "osaka", "emergency") == TUNNEL_DOWN && T.f[0].ninit == 1, 1000);
	assert_int_equal(tunnels_reconfigure(t, b), 0);
	/* what was in flight is cancelled: its connection closes */
	WAIT_FOR(T.f[0].nopen == 0, 500);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_NONE);
	assert_int_equal(ST(t, "osaka", "emergency"), TUNNEL_NONE);
	assert_int_equal(tunnels_usable(t, peer_of(b, "osaka"), "emergency", NULL, 0), 1);
	nl = T.f[0].nlist;
	ni = T.f[0].ninit;
	run_ms(400);
	assert_int_equal(T.f[0].nlist, nl);
	assert_int_equal(T.f[0].ninit, ni);
	prom = render(t, R_PROM);
	empty = prom[0] == '\0';
	free(prom);
	assert_true(empty);
	ASSERT_HAS(t, R_JSON, "\"vici\":null");
	/* and back: unknown at first, then polled again */
	assert_int_equal(tunnels_reconfigure(t, a), 0);
	assert_int_equal(ST(t, "osaka", "clinical"), TUNNEL_UNKNOWN);
	WAIT_FOR(ST(t, "osaka", "clinical") == TUNNEL_UP, 1000);
	drop_t();
	drop_cf(a);
	drop_cf(b);
}

/* ---- 6. calls and renderings ---- */

/* Each call's end: last success or error and its cause, the TLS outcome, the latency. */
static void
test_note_call(void **state)
{
	struct cfopt o = { .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	char js[1024], want[128];

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1234, 5678);
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist_done >= 1, 1000);
	/* before any call */
	json_path(t, "osaka", "clinical", js, sizeof(js));
	assert_non_null(strstr(js, "\"tls\":null,\"last_ok\":0,\"last_error\":0,"
	    "\"last_error_what\":null,\"last_ms\":-1}"));
	tunnels_note_call(t, "osaka", "clinical", HTTP_OK, 200, 35, NULL);
	tunnels_note_call(t, "osaka", "emergency", HTTP_ERR_TLS, 0, 12, "certificate refused");
	tunnels_note_call(t, "nara", "clinical", HTTP_OK, 500, 80, NULL);
	tunnels_note_call(t, "nara", "emergency", HTTP_ERR_PEER_IDENTITY, 0, 7, NULL);
	tunnels_note_call(t, "kyoto", "clinical", HTTP_OK, 200, 1, NULL);	/* no such path */

	json_path(t, "osaka", "clinical", js, sizeof(js));
	assert_non_null(strstr(js, "\"tls\":\"ok\""));
	assert_null(strstr(js, "\"last_ok\":0,"));
	assert_non_null(strstr(js, "\"last_error\":0,\"last_error_what\":null,\"last_ms\":35}"));
	json_path(t, "osaka", "emergency", js, sizeof(js));
	assert_non_null(strstr(js, "\"tls\":\"refused\",\"last_ok\":0,"));
	assert_null(strstr(js, "\"last_error\":0,"));
	assert_non_null(strstr(js, "\"last_error_what\":\"certificate refused\",\"last_ms\":12}"));
	json_path(t, "nara", "clinical", js, sizeof(js));
	assert_non_null(strstr(js, "\"tls\":\"ok\",\"last_ok\":0,"));
	assert_non_null(strstr(js, "\"last_error_what\":\"HTTP status 500\""));
	json_path(t, "nara", "emergency", js, sizeof(js));
	assert_non_null(strstr(js, "\"tls\":\"refused\""));
	snprintf(want, sizeof(want), "\"last_error_what\":\"%s\"",
	    http_err_str(HTTP_ERR_PEER_IDENTITY));
	assert_non_null(strstr(js, want));
	/* a timeout says nothing about TLS; a later success keeps the last error */
	tunnels_note_call(t, "osaka", "emergency", HTTP_ERR_TIMEOUT, 0, 5000, NULL);
	json_path(t, "osaka", "emergency", js, sizeof(js));
	assert_non_null(strstr(js, "\"tls\":\"refused\""));
	snprintf(want, sizeof(want), "\"last_error_what\":\"%s\",\"last_ms\":5000}",
	    http_err_str(HTTP_ERR_TIMEOUT));
	assert_non_null(strstr(js, want));
	tunnels_note_call(t, "osaka", "emergency", HTTP_OK, 200, 9, NULL);
	json_path(t, "osaka", "emergency", js, sizeof(js));
	assert_non_null(strstr(js, "\"tls\":\"ok\""));
	assert_null(strstr(js, "\"last_ok\":0,"));
	assert_null(strstr(js, "\"last_error\":0,"));
	assert_non_null(strstr(js, "\"last_ms\":9}"));

	drop_t();
	drop_cf(cf);
}

/* The table (peer, purpose, state, TLS, latency, ...) and the Prometheus lines. */
static void
test_render(void **state)
{
	struct cfopt o = { .no_initiate = 1 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;
	char row[256], want[128];

	(void)state;
	fk_set(&T.f[0], 0, "osaka", "clinical", "INSTALLED", 1234, 5678);
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist_done >= 1, 1000);
	tunnels_note_call(t, "osaka", "clinical", HTTP_OK, 200, 35, NULL);
	tunnels_note_call(t, "nara", "clinical", HTTP_OK, 500, 80, NULL);
	tunnels_note_call(t, "nara", "emergency", HTTP_ERR_TLS, 0, 7, "alert");
	/* the table: peer, purpose, state, TLS, latency */
	table_row(t, "osaka", "clinical", row, sizeof(row));
	snprintf(want, sizeof(want), "%-16s %-12s up ", "osaka", "clinical");
	assert_memory_equal(row, want, strlen(want));
	assert_non_null(strstr(row, " ok "));
	assert_non_null(strstr(row, "       35 "));
	table_row(t, "nara", "clinical", row, sizeof(row));
	snprintf(want, sizeof(want), "%-16s %-12s %-12s %-8s %8s ", "nara", "clinical", "-",
	    "ok", "80");
	assert_memory_equal(row, want, strlen(want));
	assert_non_null(strstr(row, " HTTP status 500"));
	table_row(t, "osaka", "emergency", row, sizeof(row));
	snprintf(want, sizeof(want), "%-16s %-12s idle ", "osaka", "emergency");
	assert_memory_equal(row, want, strlen(want));
	table_row(t, "nara", "emergency", row, sizeof(row));
	assert_non_null(strstr(row, " refused "));
	table_row(t, "osaka", "imaging", row, sizeof(row));
	snprintf(want, sizeof(want), "%-16s %-12s %-12s %-8s %8s ", "osaka", "imaging", "-",
	    "-", "-");
	assert_memory_equal(row, want, strlen(want));

	/* Prometheus: up 1/0 and the counters, for the VPN paths only */
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_up{peer=\"osaka\",purpose=\"clinical\"} 1\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_up{peer=\"osaka\",purpose=\"emergency\"} 0\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"clinical\","
	    "direction=\"in\"} 1234\nhashi_tunnel_bytes{peer=\"osaka\",purpose=\"clinical\","
	    "direction=\"out\"} 5678\n");
	ASSERT_HAS(t, R_PROM, "hashi_tunnel_bytes{peer=\"osaka\",purpose=\"emergency\","
	    "direction=\"in\"} 0\n");
	ASSERT_LACKS(t, R_PROM, "peer=\"nara\"");
	ASSERT_LACKS(t, R_PROM, "purpose=\"imaging\"");
	ASSERT_HAS(t, R_PROM, "# TYPE hashi_tunnel_up gauge\n");
	drop_t();
	drop_cf(cf);
}

/* ---- 7. freeing with operations in flight ---- */

static void
test_free_list_in_flight(void **state)
{
	struct cfopt o = { 0 };
	struct config *cf = load_cf(&o);
	struct tunnels *t;

	(void)state;
	T.f[0].list_silent = 1;
	t = tn_new(cf);
	WAIT_FOR(T.f[0].nlist >= 1, 1000);
	assert_int_equal(T.f[0].nopen, 1);
	/* a reload asks at once, but not a second time while a list is in flight */
	assert_int_equal(tunnels_reconfigure(t, cf), 0);
	run_ms(250);
	assert_int_equal(T.f[0].nlist, 1);
	assert_int_equal(T.f[0].nopen, 1);
	drop_t();	/* a callback after this would touch freed memory */
	WAIT_FOR(T.f[0].nopen == 0, 500);	/* its connection was closed */
	run_ms(150);
	assert_int_equal(T.f[0].nlist, 1);
	drop_cf(cf);
}

static void
test_free_initiate_in_flight(void **state)
{
	struct cfopt o = { .start = "none" };
	struct config *cf = load_cf(&o);

	(void)state;
	T.f[0].init_mode = FK_INIT_SILENT;
	tn_new(cf);
	WAIT_FOR(T.f[0].ninit >= 2, 1000);
	/* a list in flight too */
	T.f[0].list_silent = 1;
	WAIT_FOR(T.f[0].nopen == 3, 1000);
	drop_t();
	WAIT_FOR(T.f[0].nopen == 0, 500);
	run_ms(150);
	assert_int_equal(T.f[0].ninit, 2);
	drop_cf(cf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_down_start_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_trap_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_rekey_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiate_throttled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiate_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiate_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiate_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiate_success_repolls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiate_success_during_poll, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_socket_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_switch_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_remove_vpn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_list_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_initiate_in_flight, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
