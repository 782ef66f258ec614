/*
 * gateway/vici: a client of strongSwan's VICI protocol (charon's control socket, by default
 * /var/run/charon.vici), written from the protocol's documentation
 * (src/libcharon/plugins/vici/README.md) because Debian ships no libvici header. Two
 * operations for the daemon: list the IKE_SAs and CHILD_SAs with their counters (list-sas)
 * and bring up a CHILD_SA (initiate). Each operation opens its own connection on the event
 * loop and closes it when done, so a slow initiate never delays a list.
 *
 * The message layer (gateway/vici_msg.c) is public for the tests and for later commands:
 * a builder for packets and a strict, bounded parser (visitor) for what charon sends.
 *
 * Wire format, as the documentation gives it: every packet is a 32-bit big-endian length
 * (at most 512 KiB) and that many bytes; the first is the packet type, named types follow it
 * with an 8-bit name length and the name; the rest is a message, a sequence of elements:
 * a type byte, an 8-bit-length name for SECTION_START, KEY_VALUE and LIST_START, and a
 * 16-bit big-endian-length value for KEY_VALUE and LIST_ITEM.
 *
 * The process must ignore SIGPIPE: bufferevents write to the socket with writev(2).
 */
#ifndef HASHI_GATEWAY_VICI_H
#define HASHI_GATEWAY_VICI_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define VICI_DEFAULT_SOCKET	"/var/run/charon.vici"
#define VICI_MAX_PACKET		(512u * 1024u)	/* bytes after the length field */
#define VICI_MAX_DEPTH		16		/* nested sections we accept */
#define VICI_NAME_MAX		256		/* names are at most 255 bytes on the wire */
#define VICI_MAX_CHILDREN	4096		/* entries one list-sas may return */

/* Packet types (first payload byte). */
enum vici_ptype {
	VICI_CMD_REQUEST = 0,		/* named, message */
	VICI_CMD_RESPONSE = 1,		/* message */
	VICI_CMD_UNKNOWN = 2,		/* no such command */
	VICI_EVENT_REGISTER = 3,	/* named */
	VICI_EVENT_UNREGISTER = 4,	/* named */
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,		/* no such event */
	VICI_EVENT = 7			/* named, message */
};

/* Message element types. */
enum vici_etype {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6
};

/* ---- Building packets ---- */

struct vici_msg;

/* Starts a packet of TYPE; NAME (copied) is required for the named types (CMD_REQUEST,
 * EVENT_REGISTER, EVENT_UNREGISTER, EVENT) and must be NULL for the others. Returns the
 * builder (free with vici_msg_free), or NULL when NAME is wrong for TYPE, longer than 255
 * bytes, or memory ran out. */
struct vici_msg *vici_msg_new(enum vici_ptype type, const char *name);

/* Frees M; NULL is fine. */
void vici_msg_free(struct vici_msg *m);

/* The element appenders below return 0, or -1 when the element is not allowed where it
 * stands (a key/value or section inside a list, a list inside a list, an item outside a
 * list, an end without its start, deeper than VICI_MAX_DEPTH), a name is over 255 bytes, a
 * value over 65535, the packet would pass VICI_MAX_PACKET, or memory ran out. An error
 * sticks: every later call fails and vici_msg_packet returns NULL. Names and values are
 * copied; a name must not contain a NUL byte. */
int vici_msg_section(struct vici_msg *m, const char *name);	/* SECTION_START */
int vici_msg_section_end(struct vici_msg *m);			/* SECTION_END */
int vici_msg_kv(struct vici_msg *m, const char *key, const uint8_t *val, size_t len);
int vici_msg_kv_str(struct vici_msg *m, const char *key, const char *val);
int vici_msg_list(struct vici_msg *m, const char *name);	/* LIST_START */
int vici_msg_item(struct vici_msg *m, const uint8_t *val, size_t len);	/* LIST_ITEM */
int vici_msg_list_end(struct vici_msg *m);			/* LIST_END */

/* Finishes M: the whole packet, length field included, valid until the next call on M or
 * vici_msg_free (owned by M), its size in *LENP. NULL when an earlier call failed or a
 * section or list is still open. */
const uint8_t *vici_msg_packet(struct vici_msg *m, size_t *lenp);

/* ---- Parsing what the other side sent ---- */

/* Reads the length field HDR (4 bytes). Returns 0 with the payload length in *LENP, or -1
 * when it is 0 or over VICI_MAX_PACKET. */
int vici_frame_len(const uint8_t *hdr, size_t *lenp);

/* One packet, split. vp_msg points into the parsed payload (borrowed). */
struct vici_packet {
	enum vici_ptype	 vp_type;
	char		 vp_name[VICI_NAME_MAX];	/* "" for unnamed types */
	const uint8_t	*vp_msg;			/* the message; may be empty */
	size_t		 vp_msglen;
};

/* Splits PAYLOAD/LEN (the bytes after the length field) into *PK. Returns 0, or -1 when
 * LEN is 0 or over VICI_MAX_PACKET, the type is unknown, or the name runs past the end or
 * holds a NUL. The message itself is not checked here: see vici_msg_parse. */
int vici_packet_parse(const uint8_t *payload, size_t len, struct vici_packet *pk);

/* One element, as vici_msg_parse hands it to the visitor; valid during the call only. */
struct vici_elem {
	enum vici_etype	 ve_type;
	unsigned	 ve_depth;	/* sections around the element; a section's start and
					   end are counted outside it (0 = root) */
	const char	*ve_name;	/* NUL-terminated; "" for SECTION_END, LIST_ITEM and
					   LIST_END */
	const uint8_t	*ve_val;	/* KEY_VALUE, LIST_ITEM: the raw value; else NULL */
	size_t		 ve_len;
};

/* Called for each element in order; returns 0 to go on, anything else to stop the parse. */
typedef int (*vici_visit_fn)(void *arg, const struct vici_elem *e);

/* Walks the message MSG/LEN and checks it completely against the documented grammar:
 * known element types only, every name and value inside LEN, names without NUL bytes,
 * sections balanced and at most VICI_MAX_DEPTH deep, lists not nested, only items inside a
 * list, nothing left open at the end. FN may be NULL (check only). Elements are reported
 * as they are read, so FN may have seen a prefix of a message that then fails. Returns 0,
 * or -1 when the message is malformed or FN stopped the parse. Never reads outside MSG. */
int vici_msg_parse(const uint8_t *msg, size_t len, vici_visit_fn fn, void *arg);

/* ---- list-sas results ---- */

/* One CHILD_SA as charon reports it. An IKE_SA without any CHILD_SA gives one entry with
 * child and state empty and the counters 0, so that its state can still be shown. */
struct vici_child {
	char		ike[VICI_NAME_MAX];	/* IKE_SA (connection) name: our peer's name */
	char		child[VICI_NAME_MAX];	/* CHILD_SA config name: our purpose's name */
	char		ike_state[32];		/* e.g. ESTABLISHED, CONNECTING */
	char		state[32];		/* e.g. INSTALLED, REKEYING */
	uint64_t	bytes_in, bytes_out, packets_in, packets_out;
};

/* Decodes the message of one list-sa event (MSG/LEN) and appends its CHILD_SAs to the
 * malloc'd array *VP of *NP entries (*VP NULL and *NP 0 to start; caller frees *VP). Every
 * top-level section is an IKE_SA named after its connection, with keys such as state, and
 * a child-sas section whose subsections are the CHILD_SAs; the config name of each is its
 * "name" key (newer strongSwan versions name the subsection "<name>-<unique id>"), else
 * the subsection's name. Unknown keys, lists and sections are skipped. *VP must come from
 * this function (it grows the array in powers of two). Returns 0, or -1 when the message
 * is malformed, a counter is not a decimal uint64, a name or state is too long or holds a
 * NUL, *NP would pass VICI_MAX_CHILDREN, or memory ran out; on -1, *NP is unchanged (*VP
 * may have moved). */
int vici_list_sa_decode(const uint8_t *msg, size_t len, struct vici_child **vp, size_t *np);

/* ---- The asynchronous client ---- */

struct vici_client;

/* Result of vici_list_sas. ERR is NULL on success, else a short reason for logs and
 * status (CHILDREN NULL, N 0). CHILDREN and ERR are valid during the call only. */
typedef void (*vici_list_fn)(void *arg, const char *err, const struct vici_child *children,
    size_t n);

/* Result of vici_initiate: ERR NULL when charon answered success, else the reason,
 * "initiate failed: <charon's errmsg>" when charon refused. Valid during the call only. */
typedef void (*vici_done_fn)(void *arg, const char *err);

/* Returns a client for charon's socket SOCKET_PATH (copied; NULL for VICI_DEFAULT_SOCKET)
 * on BASE (borrowed), whose operations end with "timeout" after TIMEOUT_MS. Returns NULL
 * when TIMEOUT_MS is not in 1..86400000 (a day), the path is empty or does not fit a unix
 * socket address, or memory ran out. */
struct vici_client *vici_client_new(struct event_base *base, const char *socket_path,
    int timeout_ms);

/* Cancels the pending operations (their callbacks are not called), closes their
 * connections and frees VC; NULL is fine. May be called from within a callback. */
void vici_client_free(struct vici_client *vc);

/* Returns the number of operations started and not yet called back. */
size_t vici_client_pending(const struct vici_client *vc);

/* Lists the SAs: connects, registers for list-sa events, sends list-sas (noblock), gathers the
 * events until the command's response, closes. FN is called exactly once, on BASE, never
 * from within this call; reasons: "charon not running: <path>: <strerror>", "cannot
 * connect to charon: <path>: <strerror>", "timeout", "charon closed the connection",
 * "malformed answer", "charon does not know list-sas", ... Returns 0, or -1 (FN will not
 * be called) when memory ran out. */
int vici_list_sas(struct vici_client *vc, vici_list_fn fn, void *arg);

/* Asks charon to initiate CHILD_SA config CHILD (NULL: the IKE_SA only) of connection IKE
 * (NULL: charon finds the child in any connection; at least one of the two is required),
 * with charon's own timeout set to the client's, so that charon stops waiting for the peer
 * and frees its worker thread when we stop waiting; our timer allows charon's answer a
 * short grace period after that. charon keeps trying in the background after either
 * timeout. FN as for vici_list_sas, plus "initiate failed: <errmsg>", e.g. "CHILD_SA 'x'
 * not established after 5000ms". charon (5.9.8 here) refuses a duplicate of a CHILD_SA
 * that is up ("establishing CHILD_SA 'x' failed"): list first, initiate what is down.
 * Returns 0, or -1 (FN will not be called) for bad arguments or when memory ran out. */
int vici_initiate(struct vici_client *vc, const char *ike, const char *child,
    vici_done_fn fn, void *arg);

#endif
