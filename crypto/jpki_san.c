/* crypto/jpki_san: see jpki_san.h. */
#include "crypto/jpki_san.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "common/log.h"

#define SAN_ITEMS	6	/* .1 .. .6 */
#define ADDR_CHARS_MAX	200	/* profile: address at most 200 characters */

/* The UTF8String values, indexed by item - 1, borrowed from SV_GENS (the decoded
 * extension, a copy that san_collect makes and jpki_san_decode frees). */
struct san_vals {
	GENERAL_NAMES	*sv_gens;
	const uint8_t	*sv_data[SAN_ITEMS];
	size_t		 sv_len[SAN_ITEMS];
};

/* Length of the UTF-8 sequence led by byte C, or 0 when C cannot lead one. */
static size_t
utf8_seqlen(uint8_t c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

int
jpki_utf8_ok(const uint8_t *buf, size_t len, size_t *nchars)
{
	size_t i = 0, n = 0, k, j;
	uint32_t cp;

	while (i < len) {
		if ((k = utf8_seqlen(buf[i])) == 0 || k > len - i)
			return 0;
		cp = k == 1 ? buf[i] : (uint32_t)(buf[i] & (0x7f >> k));
		for (j = 1; j < k; j++) {
			if ((buf[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (buf[i + j] & 0x3f);
		}
		/* Overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF; controls. */
		if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return 0;
		i += k;
		n++;
	}
	if (nchars != NULL)
		*nchars = n;
	return 1;
}

/* Returns the item number 1..6 when OBJ is JPKI_SAN_ARC + that number, else 0. */
static int
san_item(const ASN1_OBJECT *obj)
{
	char txt[64];
	size_t arclen = strlen(JPKI_SAN_ARC);
	int n;

	n = OBJ_obj2txt(txt, sizeof(txt), obj, 1);
	if (n <= 0 || (size_t)n >= sizeof(txt))
		return 0;
	if (strncmp(txt, JPKI_SAN_ARC, arclen) != 0 || strlen(txt) != arclen + 1)
		return 0;
	if (txt[arclen] < '1' || txt[arclen] > '0' + SAN_ITEMS)
		return 0;
	return txt[arclen] - '0';
}

/* Collects the JPKI otherName values of X into V (the caller frees V->sv_gens).
 * Returns 0 or -1 (logged). */
static int
san_collect(const X509 *x, struct san_vals *v)
{
	const GENERAL_NAME *gn;
	const OTHERNAME *on;
	int crit = 0, i, item;

	memset(v, 0, sizeof(*v));
	/* crit == -2 means several subjectAltName extensions: ambiguous, refused. */
	if ((v->sv_gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL)) == NULL) {
		log_debug("jpki: %s subjectAltName", crit == -2 ? "more than one" : "no usable");
		return -1;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(v->sv_gens); i++) {
		gn = sk_GENERAL_NAME_value(v->sv_gens, i);
		if (gn->type != GEN_OTHERNAME)
			continue;
		on = gn->d.otherName;
		if ((item = san_item(on->type_id)) == 0)
			continue;
		if (v->sv_data[item - 1] != NULL) {
			log_debug("jpki: otherName .%d appears twice", item);
			return -1;
		}
		if (on->value == NULL || ASN1_TYPE_get(on->value) != V_ASN1_UTF8STRING) {
			log_debug("jpki: otherName .%d is not a UTF8String", item);
			return -1;
		}
		v->sv_data[item - 1] = ASN1_STRING_get0_data(on->value->value.utf8string);
		v->sv_len[item - 1] = (size_t)ASN1_STRING_length(on->value->value.utf8string);
	}
	return 0;
}

/* Copies text item ITEM of V into DST (size DSTSZ) after checking it is non-empty UTF-8
 * (EMPTY_OK: or empty) of at most MAXCHARS characters (0: no limit). Returns 0 or -1. */
static int
san_text(const struct san_vals *v, int item, char *dst, size_t dstsz, size_t maxchars,
    int empty_ok)
{
	const uint8_t *p = v->sv_data[item - 1];
	size_t len = v->sv_len[item - 1], n;

	if (p == NULL || (len == 0 && !empty_ok) || len >= dstsz || !jpki_utf8_ok(p, len, &n) ||
	    (maxchars > 0 && n > maxchars)) {
		log_debug("jpki: otherName .%d is missing, empty, too long or not UTF-8", item);
		return -1;
	}
	memcpy(dst, p, len);
	dst[len] = '\0';
	return 0;
}

/* Copies optional flag item ITEM ('0'/'1' per character) into DST. Returns 0 or -1. */
static int
san_flags(const struct san_vals *v, int item, char *dst, size_t dstsz)
{
	size_t i;

	dst[0] = '\0';
	if (v->sv_data[item - 1] == NULL)
		return 0;
	if (san_text(v, item, dst, dstsz, 0, 1) == -1)
		return -1;
	for (i = 0; dst[i] != '\0'; i++) {
		if (dst[i] != '0' && dst[i] != '1') {
			log_debug("jpki: otherName .%d is not a 0/1 flag string", item);
			dst[0] = '\0';
			return -1;
		}
	}
	return 0;
}

/* Checks EYYYYMMDD: era 0..5 then a Gregorian date; month/day 00 stand for "unknown". */
static int
san_birth_ok(const char *b)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int i, y, m, d;

	for (i = 0; i < 9; i++)
		if (b[i] < '0' || b[i] > '9')
			return 0;
	if (b[9] != '\0' || b[0] > '5')
		return 0;
	y = (b[1] - '0') * 1000 + (b[2] - '0') * 100 + (b[3] - '0') * 10 + (b[4] - '0');
	m = (b[5] - '0') * 10 + (b[6] - '0');
	d = (b[7] - '0') * 10 + (b[8] - '0');
	if (y < 1800 || m > 12 || d > 31 || (m == 0 && d != 0))
		return 0;
	if (m == 0 || d == 0)
		return 1;
	if (d > mdays[m - 1])
		return 0;
	/* 29 February only in a leap year. */
	return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* Clears the identity fields of S. */
static void
san_clear(struct jpki_signer *s)
{
	s->js_name[0] = s->js_name_flags[0] = s->js_addr[0] = s->js_addr_flags[0] = '\0';
	s->js_birth[0] = '\0';
	s->js_sex = '\0';
}

int
jpki_san_decode(const X509 *x, struct jpki_signer *s)
{
	struct san_vals v;
	char sex[2];
	int ret = -1;

	san_clear(s);
	if (san_collect(x, &v) == -1)
		goto done;
	if (san_text(&v, 1, s->js_name, sizeof(s->js_name), 0, 0) == -1 ||
	    san_flags(&v, 2, s->js_name_flags, sizeof(s->js_name_flags)) == -1 ||
	    san_text(&v, 3, sex, sizeof(sex), 0, 0) == -1 ||
	    san_text(&v, 4, s->js_birth, sizeof(s->js_birth), 0, 0) == -1 ||
	    san_text(&v, 5, s->js_addr, sizeof(s->js_addr), ADDR_CHARS_MAX, 0) == -1 ||
	    san_flags(&v, 6, s->js_addr_flags, sizeof(s->js_addr_flags)) == -1)
		goto done;
	if (sex[0] < '1' || sex[0] > '3') {
		log_debug("jpki: sex (.3) is not 1, 2 or 3");
		goto done;
	}
	if (!san_birth_ok(s->js_birth)) {
		log_debug("jpki: birth date (.4) is not EYYYYMMDD");
		goto done;
	}
	s->js_sex = sex[0];
	ret = 0;
done:
	if (ret == -1)
		san_clear(s);
	GENERAL_NAMES_free(v.sv_gens);
	return ret;
}
