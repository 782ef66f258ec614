/*
 * gateway/vici_msg: VICI packets built and parsed (see vici.h). The parser reads bytes from
 * another process, so every length is checked against what is left before it is used, and
 * nothing is allocated per element: names are copied into a fixed buffer (a name is at
 * most 255 bytes by the wire format), values are handed out as pointers into the message.
 */
#include "gateway/vici.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

struct vici_msg {
	struct strbuf	vm_buf;		/* the packet, length field first */
	unsigned	vm_depth;	/* open sections */
	int		vm_in_list;
	int		vm_failed;
};

static int
vici_named(enum vici_ptype type)
{
	return type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	    type == VICI_EVENT_UNREGISTER || type == VICI_EVENT;
}

static int
vm_fail(struct vici_msg *m)
{
	m->vm_failed = 1;
	return -1;
}

/* Appends N bytes, failing when the payload would pass VICI_MAX_PACKET. */
static int
vm_add(struct vici_msg *m, const void *data, size_t n)
{
	if (m->vm_failed || m->vm_buf.sb_len - 4 + n > VICI_MAX_PACKET ||
	    strbuf_add(&m->vm_buf, data, n) == -1)
		return vm_fail(m);
	return 0;
}

static int
vm_byte(struct vici_msg *m, unsigned v)
{
	uint8_t b = (uint8_t)v;

	return vm_add(m, &b, 1);
}

/* An 8-bit length and the name. */
static int
vm_name(struct vici_msg *m, const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) > 255)
		return vm_fail(m);
	if (vm_byte(m, (unsigned)n) == -1)
		return -1;
	return vm_add(m, name, n);
}

/* A 16-bit big-endian length and the value. */
static int
vm_val(struct vici_msg *m, const uint8_t *val, size_t len)
{
	uint8_t hdr[2];

	if (len > 65535 || (val == NULL && len > 0))
		return vm_fail(m);
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
	if (vm_add(m, hdr, 2) == -1)
		return -1;
	return len > 0 ? vm_add(m, val, len) : 0;
}

struct vici_msg *
vici_msg_new(enum vici_ptype type, const char *name)
{
	static const uint8_t nolen[4];
	struct vici_msg *m;

	if ((unsigned)type > VICI_EVENT || vici_named(type) != (name != NULL))
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (strbuf_add(&m->vm_buf, nolen, 4) == -1 || vm_byte(m, type) == -1 ||
	    (name != NULL && vm_name(m, name) == -1)) {
		vici_msg_free(m);
		return NULL;
	}
	return m;
}

void
vici_msg_free(struct vici_msg *m)
{
	if (m == NULL)
		return;
	strbuf_reset(&m->vm_buf);
	free(m);
}

int
vici_msg_section(struct vici_msg *m, const char *name)
{
	if (m->vm_in_list || m->vm_depth >= VICI_MAX_DEPTH)
		return vm_fail(m);
	if (vm_byte(m, VICI_SECTION_START) == -1 || vm_name(m, name) == -1)
		return -1;
	m->vm_depth++;
	return 0;
}

int
vici_msg_section_end(struct vici_msg *m)
{
	if (m->vm_in_list || m->vm_depth == 0)
		return vm_fail(m);
	if (vm_byte(m, VICI_SECTION_END) == -1)
		return -1;
	m->vm_depth--;
	return 0;
}

int
vici_msg_kv(struct vici_msg *m, const char *key, const uint8_t *val, size_t len)
{
	if (m->vm_in_list)
		return vm_fail(m);
	if (vm_byte(m, VICI_KEY_VALUE) == -1 || vm_name(m, key) == -1)
		return -1;
	return vm_val(m, val, len);
}

int
vici_msg_kv_str(struct vici_msg *m, const char *key, const char *val)
{
	if (val == NULL)
		return vm_fail(m);
	return vici_msg_kv(m, key, (const uint8_t *)val, strlen(val));
}

int
vici_msg_list(struct vici_msg *m, const char *name)
{
	if (m->vm_in_list)
		return vm_fail(m);
	if (vm_byte(m, VICI_LIST_START) == -1 || vm_name(m, name) == -1)
		return -1;
	m->vm_in_list = 1;
	return 0;
}

int
vici_msg_item(struct vici_msg *m, const uint8_t *val, size_t len)
{
	if (!m->vm_in_list)
		return vm_fail(m);
	if (vm_byte(m, VICI_LIST_ITEM) == -1)
		return -1;
	return vm_val(m, val, len);
}

int
vici_msg_list_end(struct vici_msg *m)
{
	if (!m->vm_in_list)
		return vm_fail(m);
	if (vm_byte(m, VICI_LIST_END) == -1)
		return -1;
	m->vm_in_list = 0;
	return 0;
}

const uint8_t *
vici_msg_packet(struct vici_msg *m, size_t *lenp)
{
	uint8_t *p = (uint8_t *)m->vm_buf.sb_data;
	size_t n = m->vm_buf.sb_len - 4;

	if (m->vm_failed || m->vm_depth != 0 || m->vm_in_list)
		return NULL;
	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	*lenp = m->vm_buf.sb_len;
	return p;
}

/* ---- parsing ---- */

struct vici_cur {
	const uint8_t	*vc_p;
	size_t		 vc_left;
};

static int
cur_u8(struct vici_cur *c, uint8_t *out)
{
	if (c->vc_left < 1)
		return -1;
	*out = *c->vc_p++;
	c->vc_left--;
	return 0;
}

/* An 8-bit-length name into NAME (VICI_NAME_MAX bytes), NUL-terminated. A NUL inside would
 * make two different names compare equal, so it is refused. */
static int
cur_name(struct vici_cur *c, char *name)
{
	uint8_t n;

	if (cur_u8(c, &n) == -1 || n > c->vc_left || memchr(c->vc_p, '\0', n) != NULL)
		return -1;
	memcpy(name, c->vc_p, n);
	name[n] = '\0';
	c->vc_p += n;
	c->vc_left -= n;
	return 0;
}

/* A 16-bit-length value, pointed to in place. */
static int
cur_val(struct vici_cur *c, const uint8_t **valp, size_t *lenp)
{
	size_t n;

	if (c->vc_left < 2)
		return -1;
	n = (size_t)c->vc_p[0] << 8 | c->vc_p[1];
	if (n > c->vc_left - 2)
		return -1;
	*valp = c->vc_p + 2;
	*lenp = n;
	c->vc_p += 2 + n;
	c->vc_left -= 2 + n;
	return 0;
}

int
vici_frame_len(const uint8_t *hdr, size_t *lenp)
{
	uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
	    hdr[3];

	if (n == 0 || n > VICI_MAX_PACKET)
		return -1;
	*lenp = n;
	return 0;
}

int
vici_packet_parse(const uint8_t *payload, size_t len, struct vici_packet *pk)
{
	struct vici_cur c = { payload, len };
	uint8_t type;

	memset(pk, 0, sizeof(*pk));
	if (payload == NULL || len > VICI_MAX_PACKET || cur_u8(&c, &type) == -1 ||
	    type > VICI_EVENT)
		return -1;
	pk->vp_type = (enum vici_ptype)type;
	if (vici_named(pk->vp_type) && cur_name(&c, pk->vp_name) == -1)
		return -1;
	pk->vp_msg = c.vc_p;
	pk->vp_msglen = c.vc_left;
	return 0;
}

/* Reads one element's name and value into E as its type requires, checking that it may
 * stand where it is (DEPTH open sections, *IN_LIST) and updating both. */
static int
vici_elem_read(struct vici_cur *c, struct vici_elem *e, char *name, unsigned *depth,
    int *in_list)
{
	int list_ok = e->ve_type == VICI_LIST_ITEM || e->ve_type == VICI_LIST_END;

	if (*in_list != list_ok)
		return -1;
	e->ve_depth = *depth;
	switch (e->ve_type) {
	case VICI_SECTION_START:
		if (*depth >= VICI_MAX_DEPTH || cur_name(c, name) == -1)
			return -1;
		e->ve_name = name;
		(*depth)++;
		return 0;
	case VICI_SECTION_END:
		if (*depth == 0)
			return -1;
		e->ve_depth = --(*depth);
		return 0;
	case VICI_KEY_VALUE:
		if (cur_name(c, name) == -1)
			return -1;
		e->ve_name = name;
		return cur_val(c, &e->ve_val, &e->ve_len);
	case VICI_LIST_START:
		if (cur_name(c, name) == -1)
			return -1;
		e->ve_name = name;
		*in_list = 1;
		return 0;
	case VICI_LIST_ITEM:
		return cur_val(c, &e->ve_val, &e->ve_len);
	case VICI_LIST_END:
		*in_list = 0;
		return 0;
	}
	return -1;
}

int
vici_msg_parse(const uint8_t *msg, size_t len, vici_visit_fn fn, void *arg)
{
	struct vici_cur c = { msg, len };
	struct vici_elem e;
	char name[VICI_NAME_MAX];
	unsigned depth = 0;
	int in_list = 0;
	uint8_t type;

	if (msg == NULL && len > 0)
		return -1;
	while (cur_u8(&c, &type) == 0) {
		if (type < VICI_SECTION_START || type > VICI_LIST_END)
			return -1;
		memset(&e, 0, sizeof(e));
		e.ve_type = (enum vici_etype)type;
		e.ve_name = "";
		if (vici_elem_read(&c, &e, name, &depth, &in_list) == -1)
			return -1;
		if (fn != NULL && fn(arg, &e) != 0)
			return -1;
	}
	return depth == 0 && !in_list ? 0 : -1;
}

/* ---- list-sa events ---- */

enum ls_kind { LS_OTHER, LS_IKE, LS_CHILD_SAS, LS_CHILD };

struct ls {
	struct vici_child	*ls_v;
	size_t			 ls_n;
	size_t			 ls_first;	/* the current IKE_SA's first entry */
	char			 ls_ike[VICI_NAME_MAX];
	char			 ls_ike_state[32];
	struct vici_child	 ls_cur;	/* the CHILD_SA being read */
	unsigned char		 ls_kind[VICI_MAX_DEPTH];	/* each open section's */
};

/* Copies the value V/LEN as a string into DST of DSTSZ: refused if it would not fit
 * whole or holds a NUL, as a cut name could match another peer's or purpose's. */
static int
ls_str(char *dst, size_t dstsz, const uint8_t *v, size_t len)
{
	if (len >= dstsz || memchr(v, '\0', len) != NULL)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

static int
ls_u64(const uint8_t *v, size_t len, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

/* Appends C, growing the array in powers of two (from 8). */
static int
ls_append(struct ls *ls, const struct vici_child *c)
{
	struct vici_child *nv;
	size_t n = ls->ls_n;

	if (n >= VICI_MAX_CHILDREN)
		return -1;
	if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
		if ((nv = reallocarray(ls->ls_v, n < 8 ? 8 : 2 * n, sizeof(*nv))) == NULL)
			return -1;
		ls->ls_v = nv;
	}
	ls->ls_v[ls->ls_n++] = *c;
	return 0;
}

/* The IKE_SA ends: give it an entry if it had no CHILD_SA, then its name and state to
 * each of its entries (its state key may come after child-sas). */
static int
ls_ike_end(struct ls *ls)
{
	struct vici_child none;
	size_t i;

	if (ls->ls_n == ls->ls_first) {
		memset(&none, 0, sizeof(none));
		if (ls_append(ls, &none) == -1)
			return -1;
	}
	for (i = ls->ls_first; i < ls->ls_n; i++) {
		memcpy(ls->ls_v[i].ike, ls->ls_ike, sizeof(ls->ls_ike));
		memcpy(ls->ls_v[i].ike_state, ls->ls_ike_state, sizeof(ls->ls_ike_state));
	}
	return 0;
}

static int
ls_child_kv(struct vici_child *c, const struct vici_elem *e)
{
	const char *k = e->ve_name;

	if (strcmp(k, "name") == 0)
		return ls_str(c->child, sizeof(c->child), e->ve_val, e->ve_len);
	if (strcmp(k, "state") == 0)
		return ls_str(c->state, sizeof(c->state), e->ve_val, e->ve_len);
	if (strcmp(k, "bytes-in") == 0)
		return ls_u64(e->ve_val, e->ve_len, &c->bytes_in);
	if (strcmp(k, "bytes-out") == 0)
		return ls_u64(e->ve_val, e->ve_len, &c->bytes_out);
	if (strcmp(k, "packets-in") == 0)
		return ls_u64(e->ve_val, e->ve_len, &c->packets_in);
	if (strcmp(k, "packets-out") == 0)
		return ls_u64(e->ve_val, e->ve_len, &c->packets_out);
	return 0;
}

static int
ls_visit(void *arg, const struct vici_elem *e)
{
	struct ls *ls = arg;
	unsigned d = e->ve_depth;
	int parent = d == 0 ? -1 : ls->ls_kind[d - 1];

	switch (e->ve_type) {
	case VICI_SECTION_START:
		if (parent == -1) {
			ls->ls_kind[d] = LS_IKE;
			ls->ls_first = ls->ls_n;
			ls->ls_ike_state[0] = '\0';
			return str_copy(ls->ls_ike, sizeof(ls->ls_ike), e->ve_name);
		}
		ls->ls_kind[d] = LS_OTHER;
		if (parent == LS_IKE && strcmp(e->ve_name, "child-sas") == 0)
			ls->ls_kind[d] = LS_CHILD_SAS;
		else if (parent == LS_CHILD_SAS) {
			ls->ls_kind[d] = LS_CHILD;
			memset(&ls->ls_cur, 0, sizeof(ls->ls_cur));
			return str_copy(ls->ls_cur.child, sizeof(ls->ls_cur.child), e->ve_name);
		}
		return 0;
	case VICI_SECTION_END:
		if (ls->ls_kind[d] == LS_CHILD)
			return ls_append(ls, &ls->ls_cur);
		return ls->ls_kind[d] == LS_IKE ? ls_ike_end(ls) : 0;
	case VICI_KEY_VALUE:
		if (parent == LS_CHILD)
			return ls_child_kv(&ls->ls_cur, e);
		if (parent == LS_IKE && strcmp(e->ve_name, "state") == 0)
			return ls_str(ls->ls_ike_state, sizeof(ls->ls_ike_state), e->ve_val,
			    e->ve_len);
		return 0;
	default:
		return 0;	/* lists: traffic selectors, tasks, virtual IPs */
	}
}

int
vici_list_sa_decode(const uint8_t *msg, size_t len, struct vici_child **vp, size_t *np)
{
	struct ls *ls;
	int ret = -1;

	/* The state holds a vici_child and two names: on the heap, not the loop's stack. */
	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return -1;
	ls->ls_v = *vp;
	ls->ls_n = *np;
	if (vici_msg_parse(msg, len, ls_visit, ls) == -1)
		goto done;
	*np = ls->ls_n;
	ret = 0;
done:
	*vp = ls->ls_v;
	free(ls);
	return ret;
}
