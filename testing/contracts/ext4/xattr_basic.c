/* user.* extended attributes on ext4: set, get, list, remove; the size
 * query, ERANGE, XATTR_CREATE on an existing name, XATTR_REPLACE on a
 * missing one, empty values, and attributes back after a remount. */
#include "ext4.h"
#include <sys/xattr.h>

static void show_list(const char *k, const char *path)
{
	char list[1024];
	ssize_t n = SYS(listxattr(path, list, sizeof list));
	/* Print sorted: the order of names is not part of the contract. */
	const char *v[32];
	int c = 0;
	for (ssize_t i = 0; i < n && c < 32; i += strlen(list + i) + 1)
		v[c++] = list + i;
	for (int i = 1; i < c; i++)
		for (int j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	char out[1024] = "";
	for (int i = 0; i < c; i++) {
		strcat(out, " ");
		strcat(out, v[i]);
	}
	OUT(k, "%zd%s", n, out);
}

int main(void)
{
	char v[256];
	fs_begin("xattr_basic");
	SYS(write_file("f", "x"));
	show_list("none", "f");
	ERR("get_missing", getxattr("f", "user.none", v, sizeof v), ENODATA);
	SYS(setxattr("f", "user.color", "blue", 4, 0));
	SYS(setxattr("f", "user.empty", "", 0, 0));
	SYS(setxattr("f", "user.bin", "\0\1\2\3", 4, XATTR_CREATE));
	EQ("size_query", getxattr("f", "user.color", NULL, 0), 4);
	EQ("get", getxattr("f", "user.color", v, sizeof v), 4);
	v[4] = 0;
	STREQ("value", v, "blue");
	EQ("get_empty", getxattr("f", "user.empty", v, sizeof v), 0);
	ERR("erange", getxattr("f", "user.color", v, 2), ERANGE);
	ERR("create_exists", setxattr("f", "user.color", "red", 3, XATTR_CREATE), EEXIST);
	ERR("replace_missing", setxattr("f", "user.nope", "x", 1, XATTR_REPLACE), ENODATA);
	SYS(setxattr("f", "user.color", "green", 5, XATTR_REPLACE));
	show_list("three", "f");
	EQ("list_size", listxattr("f", NULL, 0), 31);
	ERR("list_erange", listxattr("f", v, 5), ERANGE);
	SYS(removexattr("f", "user.bin"));
	ERR("remove_missing", removexattr("f", "user.bin"), ENODATA);
	SYS(mkdir("d", 0755));
	SYS(setxattr("d", "user.dir", "yes", 3, 0));
	int fd = SYS(open("f", O_RDONLY));
	SYS(fsetxattr(fd, "user.viafd", "fd", 2, 0));
	EQ("fget", fgetxattr(fd, "user.viafd", v, sizeof v), 2);
	close(fd);
	ERR("bad_flags", setxattr("f", "user.x", "x", 1, 4), EINVAL);
	fs_remount("xattr_basic", 0);
	show_list("remount", "f");
	EQ("get_remount", getxattr("f", "user.color", v, sizeof v), 5);
	v[5] = 0;
	STREQ("value_remount", v, "green");
	EQ("dir_attr", getxattr("d", "user.dir", v, sizeof v), 3);
	fs_end();
}
