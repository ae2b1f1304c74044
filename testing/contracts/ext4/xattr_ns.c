/* Extended attribute namespaces on ext4: trusted.* and security.* for
 * root, an unknown prefix (EOPNOTSUPP), user.* on a symlink (EPERM) and
 * on a fifo, lgetxattr not following a link, and the attributes kept on
 * unlink of another link and across rename. */
#include "ext4.h"
#include <sys/xattr.h>

int main(void)
{
	char v[64];
	fs_begin("xattr_ns");
	SYS(write_file("f", "x"));
	SYS(setxattr("f", "trusted.t", "tv", 2, 0));
	SYS(setxattr("f", "security.s", "sv", 2, 0));
	EQ("trusted", getxattr("f", "trusted.t", v, sizeof v), 2);
	EQ("security", getxattr("f", "security.s", v, sizeof v), 2);
	ERR("unknown_ns", setxattr("f", "bogus.x", "x", 1, 0), EOPNOTSUPP);
	ERR("no_ns", setxattr("f", "plain", "x", 1, 0), EOPNOTSUPP);
	ERR("empty_name", setxattr("f", "user.", "x", 1, 0), EINVAL);
	SYS(symlink("f", "link"));
	ERR("user_on_symlink", lsetxattr("link", "user.x", "x", 1, 0), EPERM);
	SYS(lsetxattr("link", "trusted.onlink", "l", 1, 0));
	ERR("lget_not_followed", lgetxattr("link", "trusted.t", v, sizeof v), ENODATA);
	EQ("get_followed", getxattr("link", "trusted.t", v, sizeof v), 2);
	SYS(mkfifo("fifo", 0644));
	ERR("user_on_fifo", setxattr("fifo", "user.x", "x", 1, 0), EPERM);
	SYS(link("f", "f2"));
	SYS(unlink("f"));
	SYS(rename("f2", "f3"));
	EQ("kept", getxattr("f3", "trusted.t", v, sizeof v), 2);
	fs_remount("xattr_ns", 0);
	EQ("security_remount", getxattr("f3", "security.s", v, sizeof v), 2);
	EQ("onlink_remount", lgetxattr("link", "trusted.onlink", v, sizeof v), 1);
	fs_end();
}
