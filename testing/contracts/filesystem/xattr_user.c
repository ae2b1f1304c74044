/* Extended attributes on tmpfs: trusted.* set/get/list/remove as root,
 * ENODATA for a missing name, XATTR_CREATE/REPLACE semantics. */
#include "contract.h"
#include <sys/xattr.h>

int main(void)
{
	SYS(write_file("f", "x"));
	SYS(setxattr("f", "trusted.k", "v1", 2, 0));
	char buf[64] = {0};
	EQ("get", getxattr("f", "trusted.k", buf, sizeof buf), 2);
	STREQ("value", buf, "v1");
	EQ("size_query", getxattr("f", "trusted.k", NULL, 0), 2);
	ERR("create_exists", setxattr("f", "trusted.k", "v2", 2, XATTR_CREATE), EEXIST);
	ERR("replace_missing", setxattr("f", "trusted.z", "v2", 2, XATTR_REPLACE), ENODATA);
	ERR("missing", getxattr("f", "trusted.none", buf, sizeof buf), ENODATA);
	ERR("small_buf", getxattr("f", "trusted.k", buf, 1), ERANGE);
	memset(buf, 0, sizeof buf);
	EQ("list", listxattr("f", buf, sizeof buf), 10);
	STREQ("list_name", buf, "trusted.k");
	SYS(removexattr("f", "trusted.k"));
	ERR("removed", getxattr("f", "trusted.k", buf, sizeof buf), ENODATA);
	pass();
}
