/* getdents64 on ext4: every name with its d_type (file, directory,
 * symlink, fifo, character device), . and .., names added and removed
 * between listings, and rewinding. Names are printed sorted (the order
 * is the hash order, which both kernels share, but sorted is what the
 * contract promises). */
#include "ext4.h"
#include <sys/sysmacros.h>

static void list(const char *k)
{
	DIR *d = opendir(".");
	if (!d)
		fail("opendir: %s", errname(errno));
	char *names[64];
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < 64;) {
		char buf[300];
		snprintf(buf, sizeof buf, "%s/%d", e->d_name, e->d_type);
		names[n++] = strdup(buf);
	}
	rewinddir(d);
	int again = 0;
	while (readdir(d))
		again++;
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	char line[4096] = "";
	for (int i = 0; i < n; i++) {
		strcat(line, " ");
		strcat(line, names[i]);
		free(names[i]);
	}
	OUT(k, "%d again=%d%s", n, again, line);
}

int main(void)
{
	fs_begin("readdir");
	list("empty");
	SYS(write_file("file", "x"));
	SYS(mkdir("dir", 0755));
	SYS(symlink("file", "link"));
	SYS(mkfifo("fifo", 0644));
	SYS(mknod("chr", S_IFCHR | 0600, makedev(1, 3)));
	list("five");
	SYS(unlink("link"));
	SYS(write_file("newer", "y"));
	SYS(rename("file", "renamed"));
	list("changed");
	fs_remount("readdir", 0);
	list("remount");
	fs_end();
}
