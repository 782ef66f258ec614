/*
 * gateway/hashictl_main: the operator / tester / auditor CLI. Parses the global options,
 * finds the command in the table of gateway/ctl.h and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xml.h"
#include "gateway/config.h"
#include "gateway/ctl.h"

#define HASHICTL_DEFAULT_CONFIG	"/etc/hashi/hashid.yaml"

const char *ctl_config_file = HASHICTL_DEFAULT_CONFIG;

const struct ctl_cmd ctl_cmds[] = {
	{ { "registry", "import", NULL }, 1, 1, 1, ctl_registry_import, "DIR",
	    "load every ProvideAndRegister file of DIR into the embedded registry" },
	{ { "registry", "stats", NULL }, 0, 0, 1, ctl_registry_stats, "",
	    "count the objects in the embedded registry" },
	{ { "mpi", "import", NULL }, 1, 1, 1, ctl_mpi_import, "FILE.csv",
	    "load the region's patients (all or nothing; columns in mpi/README.md)" },
	{ { "mpi", "xref", NULL }, 1, 1, 1, ctl_mpi_xref, "FILE.csv",
	    "load links other networks already made (pid, hcid, remote_pid[, how])" },
	{ { "mpi", "show", NULL }, 1, 1, 1, ctl_mpi_show, "ID",
	    "show a patient and its links in peer regions (fresh or expired)" },
	{ { "mpi", "search", NULL }, 1, 12, 1, ctl_mpi_search,
	    "[--name N] [--kana K] [--birth D] [--sex S] [--addr A]",
	    "find patients by demographics, with how each matches" },
	{ { "mpi", "stats", NULL }, 0, 0, 1, ctl_mpi_stats, "",
	    "count patients, links, candidates and journal events" },
	{ { "mpi", "review", NULL }, 0, 0, 1, ctl_mpi_review, "",
	    "list the candidate links waiting for an operator" },
	{ { "mpi", "link", NULL }, 3, 3, 1, ctl_mpi_link, "LOCAL HCID REMOTE",
	    "link a local patient to its id in a peer region (never expires)" },
	{ { "mpi", "unlink", NULL }, 2, 2, 1, ctl_mpi_unlink, "LOCAL HCID",
	    "remove the link of a local patient in a peer region" },
	{ { "mpi", "confirm", NULL }, 1, 1, 1, ctl_mpi_confirm, "N",
	    "confirm candidate N: it becomes a link" },
	{ { "mpi", "reject", NULL }, 1, 1, 1, ctl_mpi_reject, "N",
	    "reject candidate N: it is never proposed again" },
	{ { "consent", "add", NULL }, 1, 2, 1, ctl_consent_add, "DOC [SIG]",
	    "register a JPKI-signed consent (or withdrawal): SIG detached, or DOC attached CMS" },
	{ { "consent", "list", NULL }, 0, 1, 1, ctl_consent_list, "[PATIENT]",
	    "list the consents of a patient (CX), or all by registration order" },
	{ { "consent", "show", NULL }, 1, 1, 1, ctl_consent_show, "ID",
	    "show a consent: fields, status, signer certificate, verification time" },
	{ { "consent", "void", NULL }, 2, 2, 1, ctl_consent_void, "ID REASON",
	    "void a consent registered by mistake (patients withdraw with a signed document)" },
	{ { "consent", "crl", "add" }, 1, 1, 1, ctl_consent_crl_add, "FILE",
	    "keep a CRL of a JPKI root and void the consents whose certificate it revokes" },
	{ { "audit", "keygen", NULL }, 0, 4, 0, ctl_audit_keygen, "[--key PATH] [--name NAME]",
	    "make the checkpoint signing key (0600) and PATH.pub with its vkey; never overwrites" },
	{ { "audit", "pubkey", NULL }, 0, 2, 0, ctl_audit_pubkey, "[--key PATH]",
	    "print the verifier key (vkey) auditors need: the line in PATH.pub" },
	{ { "audit", "verify", NULL }, 0, 8, 0, ctl_audit_verify,
	    "[--dir DIR] [--vkey FILE] [--since CHECKPOINT_FILE] [--witness VKEYFILE]",
	    "check the whole log; --since: also against a checkpoint kept earlier (rollback); "
	    "--witness: count the checkpoints that peer co-signed (fails if none)" },
	{ { "audit", "checkpoint", NULL }, 0, 6, 0, ctl_audit_checkpoint,
	    "[--dir DIR] [--vkey FILE] [-o FILE]",
	    "print the latest signed checkpoint, to keep for verify --since" },
	{ { "audit", "prove", NULL }, 1, 7, 0, ctl_audit_prove,
	    "SEQ [--dir DIR] [--vkey FILE] [-o FILE]",
	    "write a proof file that record SEQ is in the signed log" },
	{ { "audit", "check-proof", NULL }, 1, 3, 0, ctl_audit_check_proof,
	    "FILE [--vkey FILE]", "check a proof file with the vkey alone (no log needed)" },
	{ { "audit", "consistency", NULL }, 2, 8, 0, ctl_audit_consistency,
	    "OLD NEW [--dir DIR] [--vkey FILE] [-o FILE]",
	    "write a proof file that the checkpoint of size NEW extends the one of size OLD" },
	{ { "audit", "search", NULL }, 0, 40, 0, ctl_audit_search,
	    "[--patient CX] [--user U] [--from-region HCID] [--to-region HCID] [--purpose P] "
	    "[--outcome N|success|failure] [--event CODE] [--since TIME] [--until TIME] "
	    "[--format text|json|csv|xml] [--dir DIR] [--vkey FILE]",
	    "find records; each hit re-checked against the signed log" },
	{ { "audit", "export", NULL }, 0, 42, 0, ctl_audit_export,
	    "[search filters] --format xml|json|csv [-o FILE] [--dir DIR] [--vkey FILE]",
	    "write the records found (or all) as ATNA XML, JSON lines or CSV" },
	{ { "deploy", "swanctl", NULL }, 0, 4, 1, ctl_deploy_swanctl,
	    "[-o FILE] [--check FILE]",
	    "write strongSwan's swanctl.conf for the per-purpose VPNs (vpn: sections); "
	    "--check: exit 1 and show the first difference when FILE is not what it would be" },
	{ { "pki", "key", NULL }, 0, 3, 0, ctl_pki_key, "-o FILE [--force]",
	    "make a new EC P-256 private key, PEM, mode 0600; never replaces FILE without --force" },
	{ { "pki", "csr", NULL }, 0, 80, 0, ctl_pki_csr,
	    "--key FILE [--subject DN] [--san DNS:NAME|IP:ADDR]... [--for tls|vpn] -o FILE "
	    "[--force]",
	    "write a PKCS#10 request signed with the key; default subject from the configuration "
	    "(C=JP, O=<community name>, CN=<host>-gw|-vpn, or vpn.identity)" },
	{ { "pki", "show", NULL }, 1, 1, 0, ctl_pki_show, "CERT",
	    "print a certificate's subject, issuer, validity, names and SHA-256 fingerprint in the "
	    "forms hashid.yaml takes; warn when it is expired or unusable" },
	{ { "scenario", "check", NULL }, 1, 1, 0, ctl_scenario_check, "FILE",
	    "check a scenario file (docs/scenarios.md); every error as file:line:col" },
	{ { "scenario", "run", NULL }, 1, 9, 0, ctl_scenario_run,
	    "FILE [--netns] [--report DIR] [--dir DIR] [--keep] [--hashid PATH]",
	    "run a scenario: a real hashid per region on loopback (--netns: in network "
	    "namespaces with strongSwan tunnels), its steps checked, every audit log verified; "
	    "JUnit, JSON and HTML reports in DIR" },
	{ { "status", NULL }, 0, 0, 1, ctl_status, "",
	    "show the running hashid's peers (calls, errors, latency) and, per peer and purpose, "
	    "tunnel, TLS and last outcome, from its admin listener" },
	{ { NULL }, 0, 0, 0, NULL, NULL, NULL }
};

static void
usage(FILE *out)
{
	const struct ctl_cmd *c;
	int i;

	fprintf(out, "usage: hashictl [-v] [-f config] command [args]\ncommands:\n");
	for (c = ctl_cmds; c->cc_words[0] != NULL; c++) {
		fprintf(out, " ");
		for (i = 0; i < 3 && c->cc_words[i] != NULL; i++)
			fprintf(out, " %s", c->cc_words[i]);
		fprintf(out, " %s\n      %s\n", c->cc_usage, c->cc_help);
	}
}

/* Returns the command whose words start ARGV, setting *NWORDS, or NULL. */
static const struct ctl_cmd *
ctl_find(int argc, char **argv, int *nwords)
{
	const struct ctl_cmd *c;
	int i;

	for (c = ctl_cmds; c->cc_words[0] != NULL; c++) {
		for (i = 0; i < 3 && c->cc_words[i] != NULL; i++)
			if (i >= argc || strcmp(argv[i], c->cc_words[i]) != 0)
				break;
		if (i == 3 || c->cc_words[i] == NULL) {
			*nwords = i;
			return c;
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *file = HASHICTL_DEFAULT_CONFIG;
	const struct ctl_cmd *cmd;
	struct config *cf = NULL;
	int ch, nwords = 0, nargs, verbose = 0, ret;

	while ((ch = getopt(argc, argv, "+f:hv")) != -1) {
		switch (ch) {
		case 'f': file = ctl_config_file = optarg; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	log_init("hashictl", 1, verbose);
	xml_init();
	if (argc == 0 || (cmd = ctl_find(argc, argv, &nwords)) == NULL) {
		if (argc > 0)
			fprintf(stderr, "hashictl: unknown command: %s\n", argv[0]);
		usage(stderr);
		return 2;
	}
	nargs = argc - nwords;
	if (nargs < cmd->cc_min_args || nargs > cmd->cc_max_args) {
		fprintf(stderr, "hashictl: wrong number of arguments\n");
		usage(stderr);
		return 2;
	}
	if (cmd->cc_needs_config && (cf = config_load(file, stderr)) == NULL)
		return 1;
	ret = cmd->cc_fn(cf, nargs, argv + nwords);
	config_free(cf);
	return ret;
}
