/*
 * policy/consent_sign: writing a patient's consent document (policy/README.md, the inverse
 * of consent_doc_parse) and signing it with a test card of crypto/testpki.h, for the
 * scenario runner (issue 8) and the tests: the bytes that `hashictl consent add DOC SIG`
 * (detached) or `hashictl consent add CMS` (attached) registers. TEST DATA ONLY: the
 * signing card is a JPKI look-alike.
 */
#ifndef HASHI_POLICY_CONSENT_SIGN_H
#define HASHI_POLICY_CONSENT_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/testpki.h"
#include "policy/consent_doc.h"

/* Writes the consent document of D (borrowed) into *OUT (malloc'd, caller frees; *OUTLEN
 * bytes, UTF-8 XML, NUL-terminated but the NUL not counted), laid out as in
 * policy/README.md and tests/integ/lib_consent.sh. Read: cd_docid ("" leaves documentId
 * out), cd_issued, cd_patient ("id^^^&OID&ISO"), cd_action; for a grant also the regions
 * (cd_all_regions: allParticipating), purposes, classes (none: every class), cd_from and
 * cd_to (CONSENT_TIME_OPEN: no end). Times are written in Japan time (+09:00), as a date
 * alone when a from is the first second of a day or a to its last second. The result is
 * parsed back with consent_doc_parse and must give D's fields: what D asks is exactly
 * what is signed. Returns 0, or -1 (logged: a value the schema refuses, ...). */
int consent_sign_doc(const struct consent_doc *d, uint8_t **out, size_t *outlen);

/* Writes the document of D (consent_sign_doc) to file OUT and its CMS signature by card
 * CARDDIR/CARD (testpki_jpki_sign, signing time WHEN) to OUT.p7s (detached) or, with
 * TESTPKI_SIGN_ATTACHED in FLAGS, OUT.p7m (attached: the document inside), both mode 0600,
 * replacing files of those names. Then `hashictl consent add OUT OUT.p7s` or `hashictl
 * consent add OUT.p7m` registers it. Returns 0, or -1 (logged). */
int consent_sign_files(const struct consent_doc *d, const char *carddir, const char *card,
    time_t when, int flags, const char *out);

#endif
