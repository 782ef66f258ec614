/* gateway/hashictl_main: placeholder entry point while the CLI is being assembled. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "hashictl: not assembled yet\n");
	return 1;
}
