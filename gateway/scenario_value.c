/* gateway/scenario_value: the checks of single values and the word lists of the scenario
 * tables (scenario.c). Each check returns NULL or a static reason, which common/conf
 * prints after the key path with the value as written. */
#include "gateway/scenario_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/atna.h"
#include "common/str.h"
#include "mpi/norm.h"
#include "policy/consent_doc.h"
#include "policy/decide.h"

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS	"0123456789"
#define ALNUM	LOWER UPPER DIGITS

/* Returns 1 when S is 1..MAX bytes, starts with one of FIRST and has only REST after. */
static int
scenario_word(const char *s, size_t max, const char *first, const char *rest)
{
	size_t len = strlen(s);

	return len >= 1 && len <= max && strchr(first, s[0]) != NULL &&
	    s[1 + strspn(s + 1, rest)] == '\0';
}

const char *
scenario_check_region_name(const char *s)
{
	if (!scenario_word(s, SCN_NAME_MAX, LOWER, LOWER DIGITS "-"))
		return "must be a name of at most 32 lower-case letters, digits or '-', "
		    "starting with a letter";
	return NULL;
}

/* Ids go into CX ids, consent documents and file names: a plain alphabet. */
const char *
scenario_check_id(const char *s)
{
	if (!scenario_word(s, SCN_ID_MAX, ALNUM, ALNUM "._-"))
		return "must be at most 64 letters, digits, '.', '_' or '-', starting with a "
		    "letter or digit";
	return NULL;
}

/* A document class is a consent document's class token (policy/README.md). */
const char *
scenario_check_token(const char *s)
{
	if (!scenario_word(s, SCN_ID_MAX, ALNUM, ALNUM "._:-"))
		return "must be a code of at most 64 letters, digits, '.', '_', ':' or '-', "
		    "starting with a letter or digit";
	return NULL;
}

/* A purpose is both a consent token and a hashid purpose name (config_check_name). */
const char *
scenario_check_purpose(const char *s)
{
	if (!scenario_word(s, SCN_ID_MAX, ALNUM, ALNUM "._-"))
		return "must be a purpose name of at most 64 letters, digits, '.', '_' or '-'";
	return NULL;
}

const char *
scenario_check_prefix(const char *s)
{
	if (!scenario_word(s, 8, UPPER, UPPER DIGITS))
		return "must be at most 8 upper-case letters or digits, starting with a letter";
	return NULL;
}

int
scenario_ref_split(const char *ref, char *region, const char **rest)
{
	const char *slash = strchr(ref, '/');

	if (slash == NULL || (size_t)(slash - ref) > SCN_NAME_MAX)
		return -1;
	memcpy(region, ref, (size_t)(slash - ref));
	region[slash - ref] = '\0';
	*rest = slash + 1;
	return 0;
}

const char *
scenario_check_ref(const char *s)
{
	char region[SCN_NAME_MAX + 1];
	const char *id;

	if (scenario_ref_split(s, region, &id) == -1 ||
	    scenario_check_region_name(region) != NULL ||
	    scenario_check_id(id) != NULL)
		return "must be region/id, such as okayama/P0001";
	return NULL;
}

const char *
scenario_check_as(const char *s)
{
	int bad = strchr(s, '/') == NULL ? scenario_check_region_name(s) != NULL :
	    scenario_check_ref(s) != NULL;

	if (bad)
		return "must be a region or region/user, such as shimane/dr-mori";
	return NULL;
}

const char *
scenario_check_text(const char *s)
{
	char key[2048];

	if (norm_name(s, key, sizeof(key)) == -1)
		return "must be a name of at most 512 characters without control characters";
	return NULL;
}

const char *
scenario_check_kana(const char *s)
{
	char key[2048];

	if (norm_kana(s, key, sizeof(key)) == -1)
		return "must be a kana reading (katakana, hiragana or half-width kana)";
	return NULL;
}

const char *
scenario_check_birth(const char *s)
{
	char key[9];

	if (strlen(s) != 10 || strspn(s, DIGITS) != 4 || s[4] != '-' ||
	    strspn(s + 5, DIGITS) != 2 || s[7] != '-' || strspn(s + 8, DIGITS) != 2 ||
	    norm_birth(s, key) == -1)
		return "must be a date YYYY-MM-DD that exists";
	return NULL;
}

const char *
scenario_check_sex(const char *s)
{
	if (strcmp(s, "M") != 0 && strcmp(s, "F") != 0 && strcmp(s, "U") != 0)
		return "must be M, F or U";
	return NULL;
}

const char *
scenario_check_postal(const char *s)
{
	if (strlen(s) != 8 || strspn(s, DIGITS) != 3 || s[3] != '-' ||
	    strspn(s + 4, DIGITS) != 4)
		return "must be a postal code NNN-NNNN";
	return NULL;
}

const char *
scenario_check_address(const char *s)
{
	char key[2048];

	if (norm_addr(s, key, sizeof(key)) == -1)
		return "must be an address of at most 512 characters without control characters";
	return NULL;
}

const char *
scenario_check_time(const char *s)
{
	int64_t t;

	if (consent_time_parse(s, 1, 0, &t) == -1)
		return "must be a date YYYY-MM-DD or a time YYYY-MM-DDThh:mm:ss";
	return NULL;
}

const char *
scenario_check_status(const char *s)
{
	if (strcmp(s, "Success") != 0 && strcmp(s, "PartialSuccess") != 0 &&
	    strcmp(s, "Failure") != 0)
		return "must be Success, PartialSuccess or Failure";
	return NULL;
}

/* ITI TF-3 §4.2.4.1 codes a gateway can answer with, and Hashi's own: a typo in an
 * expectation would otherwise only show as a failed run. */
const char *
scenario_check_regerr(const char *s)
{
	static const char *const codes[] = { "XDSUnknownCommunity",
		"XDSMissingHomeCommunityId", "XDSUnavailableCommunity", "XDSRegistryError",
		"XDSRepositoryError", "XDSRegistryBusy", "XDSRepositoryBusy",
		"XDSRegistryOutOfResources", "XDSRepositoryOutOfResources",
		"XDSRegistryMetadataError", "XDSUnknownPatientId", "XDSPatientIdDoesNotMatch",
		"XDSStoredQueryMissingParam", "XDSStoredQueryParamNumber",
		"XDSUnknownStoredQuery", "XDSTooManyResults", "XDSUnknownRepositoryId",
		"XDSDocumentUniqueIdError", "XDSMissingDocument", "XDSResultNotSinglePatient",
		"urn:hashi:error:ConsentRequired", "urn:hashi:error:ConsentInvalid", NULL };
	size_t i;

	for (i = 0; codes[i] != NULL; i++)
		if (strcmp(codes[i], s) == 0)
			return NULL;
	return "must be a RegistryError code such as XDSUnavailableCommunity or "
	    "urn:hashi:error:ConsentRequired (list in docs/scenarios.md)";
}

const char *
scenario_check_event(const char *s)
{
	if (atna_event_by_code(s) == 0)
		return "must be an audit event type such as ITI-38, ITI-39, ITI-55, "
		    "consent-decision or emergency-access (list in docs/scenarios.md)";
	return NULL;
}

const char *
scenario_check_denied(const char *s)
{
	int r;

	for (r = DECIDE_R_NO_CONSENT; r <= DECIDE_R_ERROR; r++)
		if (strstr(decide_reason_text((enum decide_reason)r), s) != NULL)
			return NULL;
	return "must be (part of) a consent denial reason: no consent, withdrawn, expired, "
	    "not yet valid, region not allowed, purpose not allowed, document class not allowed";
}

int
scenario_list_has(char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

void
scenario_list_free(void *field)
{
	char ***vp = field;
	size_t *np = (size_t *)(void *)((char *)field + sizeof(char **)), i;

	for (i = 0; *vp != NULL && i < *np; i++)
		free((*vp)[i]);
	free(*vp);
	*vp = NULL;
	*np = 0;
}

/* Splits VALUE at blanks and commas into the list at FIELD, each word passing CHECK.
 * On any error nothing is stored and WHY (the list's own wording) is returned. */
static const char *
scenario_set_list(const char *value, void *field, const char *(*check)(const char *),
    const char *why)
{
	struct { char **v; size_t n; } l = { NULL, 0 };
	const char *p = value, *ret = why;
	char **v, *word;
	size_t len;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		if (l.n == SCN_LIST_MAX)
			goto done;
		if ((word = str_ndup(p, len)) == NULL ||
		    (v = reallocarray(l.v, l.n + 1, sizeof(*v))) == NULL) {
			free(word);
			ret = "out of memory";
			goto done;
		}
		l.v = v;
		l.v[l.n++] = word;
		if (check(word) != NULL || scenario_list_has(l.v, l.n - 1, word))
			goto done;
		p += len;
	}
	if (l.n == 0)
		goto done;
	scenario_list_free(field);
	memcpy(field, &l.v, sizeof(l.v));
	memcpy((char *)field + sizeof(char **), &l.n, sizeof(l.n));
	return NULL;
done:
	scenario_list_free(&l);
	return ret;
}

#define LIST_WHY(what) \
	"must list " what ", separated by blanks or commas, each once (at most 64)"

const char *
scenario_set_regions(const char *value, void *field)
{
	return scenario_set_list(value, field, scenario_check_region_name,
	    LIST_WHY("region names"));
}

const char *
scenario_set_purposes(const char *value, void *field)
{
	return scenario_set_list(value, field, scenario_check_purpose, LIST_WHY("purpose names"));
}

const char *
scenario_set_classes(const char *value, void *field)
{
	return scenario_set_list(value, field, scenario_check_token,
	    LIST_WHY("document class codes"));
}

const char *
scenario_set_users(const char *value, void *field)
{
	return scenario_set_list(value, field, scenario_check_id, LIST_WHY("user names"));
}

const char *
scenario_set_ids(const char *value, void *field)
{
	return scenario_set_list(value, field, scenario_check_id, LIST_WHY("document ids"));
}

const char *
scenario_set_refs(const char *value, void *field)
{
	return scenario_set_list(value, field, scenario_check_ref,
	    LIST_WHY("region/docid references"));
}

const char *
scenario_set_outcome(const char *value, void *field)
{
	static const char *const names[] = { "0", "4", "8", "12" };
	size_t i;

	if (strcmp(value, "any") == 0) {
		*(int *)field = -1;
		return NULL;
	}
	for (i = 0; i < 4; i++) {
		if (strcmp(value, names[i]) == 0) {
			*(int *)field = (int)(4 * i);
			return NULL;
		}
	}
	return "must be 0, 4, 8, 12 (the ATNA EventOutcomeIndicator) or any";
}

