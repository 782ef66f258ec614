/* gateway/sq_pid: the patient id of a stored query (see sq_params.h). */
#include "gateway/sq_params.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"

/* The slots that carry a patient id, across the stored queries of ITI-18. */
static const char *const sq_pid_slots[] = {
	"$XDSDocumentEntryPatientId", "$XDSSubmissionSetPatientId", "$XDSFolderPatientId",
	"$patientId", NULL
};

/* Returns the rim:Value element of the patient-id slot of ADHOC, or NULL. Borrowed. */
xmlNodePtr
sq_pid_value(const xmlNode *adhoc)
{
	xmlNodePtr slot, vl;
	char *name;
	int i, hit;

	for (slot = xml_child(adhoc, NS_RIM, "Slot"); slot != NULL;
	    slot = xml_next(slot, NS_RIM, "Slot")) {
		if ((name = xml_attr(slot, "name")) == NULL)
			continue;
		for (hit = 0, i = 0; sq_pid_slots[i] != NULL; i++)
			hit |= strcmp(name, sq_pid_slots[i]) == 0;
		free(name);
		if (hit && (vl = xml_child(slot, NS_RIM, "ValueList")) != NULL)
			return xml_child(vl, NS_RIM, "Value");
	}
	return NULL;
}

/* Returns the unquoted CX of a patient-id value ('id^^^&oid&ISO'), malloc'd, or NULL. */
char *
sq_pid_unquote(const xmlNode *value)
{
	char *t = xml_text(value), *out = NULL;
	size_t n;

	if (t != NULL && (n = strlen(t)) >= 2 && t[0] == '\'' && t[n - 1] == '\'')
		out = str_ndup(t + 1, n - 2);
	free(t);
	return out;
}
