/* Path resolution errors: ENAMETOOLONG, ENOTDIR in the middle, empty path
 * ENOENT, trailing slash on a file ENOTDIR. */
#include "contract.h"

int main(void)
{
	SYS(write_file("f", "x"));
	struct stat st;
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	ERR("component_too_long", stat(longname, &st), ENAMETOOLONG);
	char *huge = malloc(5000);
	memset(huge, 'b', 4999);
	huge[4999] = 0;
	for (int i = 100; i < 4999; i += 100)
		huge[i] = '/';
	ERR("path_too_long", stat(huge, &st), ENAMETOOLONG);
	ERR("notdir_middle", stat("f/x", &st), ENOTDIR);
	ERR("trailing_slash", stat("f/", &st), ENOTDIR);
	ERR("empty", stat("", &st), ENOENT);
	EQ("dots", stat("./././f", &st), 0);
	EQ("slashes", stat(".//f", &st), 0);
	pass();
}
