/* A directory of 10,000 entries (a hashed directory on ext4): every
 * name created, readdir returning each exactly once, lookups of every
 * 50th name after a remount, then unlinking every 10th and listing
 * again. */
#include "ext4.h"

#define N 10000
static unsigned char seen[N];

static long scan(const char *dir, int expect_parity)
{
	memset(seen, 0, sizeof seen);
	DIR *d = opendir(dir);
	if (!d)
		fail("opendir: %s", errname(errno));
	long n = 0, bad = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int i;
		if (sscanf(e->d_name, "entry-%d-with-a-longer-name", &i) != 1 || i < 0 || i >= N ||
		    seen[i] || e->d_type != DT_REG || (expect_parity >= 0 && i % 10 == expect_parity))
			bad++;
		else
			seen[i] = 1;
		n++;
	}
	closedir(d);
	OUT("bad", "%ld", bad);
	return n;
}

int main(void)
{
	char name[64];
	fs_begin("dir_10000");
	SYS(mkdir("d", 0755));
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "d/entry-%d-with-a-longer-name", i);
		if (mknod(name, S_IFREG | 0644, 0) < 0)
			fail("create %d: %s", i, errname(errno));
	}
	EQ("listed", scan("d", -1), N);
	fs_remount("dir_10000", 0);
	long found = 0;
	struct stat st;
	for (int i = 0; i < N; i += 50) {
		snprintf(name, sizeof name, "d/entry-%d-with-a-longer-name", i);
		found += stat(name, &st) == 0;
	}
	EQ("found", found, N / 50);
	ERR("absent", stat("d/entry-10000-with-a-longer-name", &st), ENOENT);
	for (int i = 1; i < N; i += 10) {
		snprintf(name, sizeof name, "d/entry-%d-with-a-longer-name", i);
		if (unlink(name) < 0)
			fail("unlink %d: %s", i, errname(errno));
	}
	EQ("listed_after_unlink", scan("d", 1), N - N / 10);
	ERR("gone", stat("d/entry-1-with-a-longer-name", &st), ENOENT);
	EQ("kept", stat("d/entry-9998-with-a-longer-name", &st), 0);
	EQ("nlink", lstat_of("d").st_nlink, 2);
	fs_end();
}
