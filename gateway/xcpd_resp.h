/*
 * gateway/xcpd_resp: the XCPD responding gateway (ITI-55, served at /xca to peers). A
 * peer's demographics are matched against this region's MPI with the same strict rules
 * as every link (mpi/match.h): one strict match is answered OK with our id of the patient
 * and our community as custodian; several, or only near ones, are answered NF (with the
 * attributes that would help, when some are missing); a query we cannot read is answered
 * AE/QE. A livingSubjectId in our own assigning authority, or a facility id we know, is a
 * shared identifier and is answered directly, unless the demographics sent with it
 * contradict that patient's (then it is not believed). When we found the patient and the
 * peer sent its own id of them ("demographic query and feed"), that link is stored too.
 */
#ifndef HASHI_GATEWAY_XCPD_RESP_H
#define HASHI_GATEWAY_XCPD_RESP_H

struct exchange;

/* Answers the ITI-55 request of EX (a peer's) and frees EX. */
void xcpd_respond(struct exchange *ex);

#endif
