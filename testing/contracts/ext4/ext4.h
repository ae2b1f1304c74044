/*
 * ext4.h: helpers for the ext4 family. Each program mounts the family's
 * ext4 disk (/dev/vdb, made by testing/contract/fsdisk.go; not a
 * snapshot: the family's programs run one after another on the same
 * filesystem) at ./mnt, works in a directory of its own named after it,
 * and unmounts at the end (fs_end), so every program leaves the
 * filesystem clean. Values that depend on block placement (inode
 * numbers, physical blocks) are never printed.
 */
#ifndef ARAMID_EXT4_H
#define ARAMID_EXT4_H

#include "contract.h"
#include <sys/mount.h>
#include <sys/statfs.h>
#include <dirent.h>

#define FS_DEV "/dev/vdb"

static char fs_top[512];
static int fs_mounted;

/* fs_cleanup unmounts on every exit path (a failing check exits). */
static void fs_cleanup(void)
{
	if (!fs_mounted)
		return;
	fs_mounted = 0;
	/* A failed check may leave descriptors and mappings on the disk:
	 * close them, and detach the mount if it is still busy. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	if (chdir(fs_top) == 0 && umount2("mnt", 0) < 0 && umount2("mnt", MNT_DETACH) < 0)
		printf("cleanup_umount: %s\n", errname(errno));
}

/* fs_begin mounts the disk at ./mnt and enters a fresh mnt/<name>. */
static inline void fs_begin(const char *name)
{
	if (!getcwd(fs_top, sizeof fs_top))
		fail("getcwd: %s", errname(errno));
	if (mkdir("mnt", 0755) < 0 && errno != EEXIST)
		fail("mkdir mnt: %s", errname(errno));
	if (mount(FS_DEV, "mnt", "ext4", 0, NULL) < 0)
		fail("mount %s: %s", FS_DEV, errname(errno));
	fs_mounted = 1;
	atexit(fs_cleanup);
	char d[300];
	snprintf(d, sizeof d, "mnt/%s", name);
	if (mkdir(d, 0755) < 0)
		fail("mkdir %s: %s", d, errname(errno));
	if (chdir(d) < 0)
		fail("chdir %s: %s", d, errname(errno));
}

/* fs_remount unmounts and mounts the disk again (flags for the new
 * mount), returning to the program's directory: what was written must
 * come back from the disk. */
static inline void fs_remount(const char *name, unsigned long flags)
{
	if (chdir(fs_top) < 0)
		fail("chdir: %s", errname(errno));
	if (umount2("mnt", 0) < 0)
		fail("umount: %s", errname(errno));
	fs_mounted = 0;
	if (mount(FS_DEV, "mnt", "ext4", flags, NULL) < 0)
		fail("remount: %s", errname(errno));
	fs_mounted = 1;
	char d[300];
	snprintf(d, sizeof d, "mnt/%s", name);
	if (chdir(d) < 0)
		fail("chdir %s: %s", d, errname(errno));
}

/* fs_end unmounts (which must succeed: nothing is left open) and passes. */
static inline void fs_end(void)
{
	if (chdir(fs_top) < 0)
		fail("chdir: %s", errname(errno));
	fs_mounted = 0;
	if (umount2("mnt", 0) < 0)
		fail("umount: %s", errname(errno));
	pass();
}

/* fnv is FNV-1a, 64 bits, continued from h. */
static inline uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}
#define FNV_INIT 14695981039346656037ULL

/* fill writes a reproducible pattern for offset off into buf. */
static inline void fill(void *buf, size_t n, uint64_t off, unsigned seed)
{
	unsigned char *b = buf;
	for (size_t i = 0; i < n; i++) {
		uint64_t x = (off + i) * 2654435761u + seed * 40503u;
		b[i] = (unsigned char)(x ^ (x >> 13) ^ (x >> 21));
	}
}

/* check_pattern reports whether buf holds fill's pattern. */
static inline int check_pattern(const void *buf, size_t n, uint64_t off, unsigned seed)
{
	const unsigned char *b = buf;
	for (size_t i = 0; i < n; i++) {
		uint64_t x = (off + i) * 2654435761u + seed * 40503u;
		if (b[i] != (unsigned char)(x ^ (x >> 13) ^ (x >> 21)))
			return 0;
	}
	return 1;
}

/* is_zero reports whether buf is all zero bytes. */
static inline int is_zero(const void *buf, size_t n)
{
	const unsigned char *b = buf;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* file_hash hashes a file's content, reading it all. */
static inline uint64_t file_hash(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", path, errname(errno));
	uint64_t h = FNV_INIT;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0)
			fail("read %s: %s", path, errname(errno));
		if (r == 0)
			break;
		h = fnv(h, buf, r);
	}
	close(fd);
	return h;
}

/* fstat_of stats path (lstat) or fails. */
static inline struct stat lstat_of(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		fail("lstat %s: %s", path, errname(errno));
	return st;
}

/* count_entries counts a directory's entries other than . and .. */
static inline long count_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		fail("opendir %s: %s", path, errname(errno));
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

#endif
