/* gateway/hashid_main: placeholder entry point while the daemon is being assembled. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "hashid: not assembled yet\n");
	return 1;
}
