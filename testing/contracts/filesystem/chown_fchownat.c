/* chown changes owner/group (root), -1 leaves a field, lchown affects the
 * link; a non-root owner chown drops the setuid bit. */
#include "contract.h"

int main(void)
{
	SYS(write_file("f", "x"));
	SYS(chown("f", 123, 456));
	struct stat st;
	SYS(stat("f", &st));
	EQ("uid", st.st_uid, 123);
	EQ("gid", st.st_gid, 456);
	SYS(chown("f", -1, 789));
	SYS(stat("f", &st));
	EQ("uid_kept", st.st_uid, 123);
	EQ("gid_set", st.st_gid, 789);
	SYS(symlink("f", "l"));
	SYS(fchownat(AT_FDCWD, "l", 7, 8, AT_SYMLINK_NOFOLLOW));
	SYS(lstat("l", &st));
	EQ("link_uid", st.st_uid, 7);
	SYS(stat("f", &st));
	EQ("target_uid", st.st_uid, 123);
	SYS(chmod("f", 04755));
	SYS(chown("f", 124, -1));
	SYS(stat("f", &st));
	OUT("mode_after_chown", "%o", st.st_mode & 07777);
	CHECK((st.st_mode & 04000) == 0);
	pass();
}
