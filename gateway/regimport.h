/*
 * gateway/regimport: `hashictl registry import DIR`, the bulk load of a region's existing
 * documents into the embedded registry and repository. Each *.xml file of DIR that is an
 * xdsb:ProvideAndRegisterDocumentSetRequest is one submission, validated and stored by
 * regstore_submit exactly like an ITI-41 request: all of a file or nothing of it.
 * Its xdsb:Document elements (id = the ExtrinsicObject's id) carry the bytes either as
 * base64 text or as <xop:Include href="NAME"/>, NAME being a plain file name in DIR whose
 * bytes are streamed into the store chunk by chunk (large scans, DICOM, PDF).
 */
#ifndef HASHI_GATEWAY_REGIMPORT_H
#define HASHI_GATEWAY_REGIMPORT_H

#include <stdio.h>

#include "gateway/regstore.h"

#define REGIMPORT_MAX_XML	(64 * 1024 * 1024)	/* bytes of one request file */
#define REGIMPORT_MAX_DEPTH	256

/* Imports every *.xml file of DIR, sorted by name (byte order), into RS with
 * REPOSITORY_ID as the documents' repositoryUniqueId. Writes one line per submission to
 * REPORT (NULL = silent): "FILE: N documents stored", or one
 * "FILE:LINE: error CODE: CONTEXT" per problem (":LINE" omitted when unknown). XML files
 * that are not a ProvideAndRegisterDocumentSetRequest are reported as skipped. Returns the
 * number of files that failed (0 = all stored), or -1 when DIR cannot be read. */
int regimport_dir(struct regstore *rs, const char *dir, const char *repository_id,
    FILE *report);

#endif
