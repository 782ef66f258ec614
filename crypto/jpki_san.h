/*
 * crypto/jpki_san: decoding of the basic four items (基本4情報) that a JPKI signing
 * certificate carries as subjectAltName otherNames under 1.2.392.200149.8.5.5
 * (research/japan-requirements.md §1.2). Internal to crypto/jpki: other layers use
 * jpki_verify, which calls this only after the signature and the chain have verified.
 */
#ifndef HASHI_CRYPTO_JPKI_SAN_H
#define HASHI_CRYPTO_JPKI_SAN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "crypto/jpki.h"

/* The otherName arc; the item number (1..6) follows it. */
#define JPKI_SAN_ARC	"1.2.392.200149.8.5.5."

/* Fills S's js_name, js_name_flags, js_sex, js_birth, js_addr and js_addr_flags from the
 * subjectAltName of X (borrowed). Rules: exactly one subjectAltName extension; each of .1
 * to .6 at most once and, when present, an otherName whose value is a UTF8String; .1, .3,
 * .4, .5 required, .2 and .6 optional ("" when absent); name and address well-formed
 * UTF-8 without control characters, the address at most 200 characters; sex one of 1, 2,
 * 3; birth EYYYYMMDD with era digit 0..5 (month 00 and day 00 are read as "unknown", as
 * a resident record can hold them); flags only '0'/'1'. Other otherNames are ignored.
 * Returns 0, or -1 (the identity fields are then cleared) after logging why at debug level. */
int jpki_san_decode(const X509 *x, struct jpki_signer *s);

/* Returns 1 when BUF[0..LEN) is well-formed UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF) without C0/C1 control characters or DEL, storing the number of characters in
 * *NCHARS (may be NULL); 0 otherwise. */
int jpki_utf8_ok(const uint8_t *buf, size_t len, size_t *nchars);

#endif
