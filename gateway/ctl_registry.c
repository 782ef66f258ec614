/*
 * gateway/ctl_registry: `hashictl registry ...`. Opens the embedded registry's LMDB
 * environment next to a running hashid (LMDB allows several processes; writers take turns).
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/str.h"
#include "gateway/ctl.h"
#include "gateway/regimport.h"
#include "gateway/registry.h"
#include "gateway/regstore.h"

/* Opens the embedded registry as hashid does, with the same rules (patients of this
 * region's assigning authority only). */
static struct registry *
ctl_registry_open(const struct config *cf)
{
	char dir[4096];
	int n;

	if (cf->cf_registry != REGISTRY_EMBEDDED) {
		fprintf(stderr, "hashictl: %s: the registry backend is remote; "
		    "this command works on the embedded registry only\n", cf->cf_file);
		return NULL;
	}
	n = snprintf(dir, sizeof(dir), "%s/registry", cf->cf_state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		fprintf(stderr, "hashictl: state_dir path too long\n");
		return NULL;
	}
	return registry_embedded_new(dir, cf->cf_registry_map_size, cf->cf_repository_id,
	    cf->cf_assigning_authority);
}

int
ctl_registry_import(const struct config *cf, int argc, char **argv)
{
	struct registry *reg;
	int failed;

	(void)argc;
	if ((reg = ctl_registry_open(cf)) == NULL)
		return 1;
	failed = regimport_dir(registry_embedded_store(reg), argv[0], cf->cf_repository_id,
	    stdout);
	registry_free(reg);
	if (failed != 0) {
		fprintf(stderr, "hashictl: %s: %d file(s) were not imported\n", argv[0],
		    failed < 0 ? 1 : failed);
		return 1;
	}
	return 0;
}

int
ctl_registry_stats(const struct config *cf, int argc, char **argv)
{
	struct registry *reg;
	struct regstore_stats st;
	int ret = 1;

	(void)argc;
	(void)argv;
	if ((reg = ctl_registry_open(cf)) == NULL)
		return 1;
	if (regstore_stats(registry_embedded_store(reg), &st) == -1) {
		fprintf(stderr, "hashictl: cannot read the registry\n");
		goto done;
	}
	printf("documents:       %zu\nsubmission sets: %zu\nfolders:         %zu\n"
	    "associations:    %zu\nstored contents: %zu\n", st.rs_documents,
	    st.rs_submissionsets, st.rs_folders, st.rs_associations, st.rs_contents);
	ret = 0;
done:
	registry_free(reg);
	return ret;
}
