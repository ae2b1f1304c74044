/*
 * ext4_digest.c: lists every file of the ext4 family's disk (/dev/vdb,
 * mounted read-only at ./mnt) after the family's programs ran: path, type,
 * mode, owner, link count, size, extended attributes and a hash of the
 * content (the target for symlinks, rdev for devices). Directories are
 * walked in name order; a directory of more than FOLD entries is printed
 * as one line with its entry count and a hash of its entries' lines. The
 * content hash covers the non-zero 4 KiB blocks with their offsets, found
 * through SEEK_DATA/SEEK_HOLE, so it does not depend on which zero ranges
 * a kernel stores as holes or as unwritten extents, and a sparse file of
 * gigabytes is not read byte by byte. The harness compares this listing
 * between kernels and between the candidate's run and the reference
 * kernel reading the disk the candidate wrote (testing/contract/fsdisk.go).
 */
#include "contract.h"
#include <dirent.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define FOLD 64
#define BLK 4096

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int is_zero(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* content hashes the non-zero blocks of a regular file. */
static uint64_t content(const char *path, long long size)
{

	static unsigned char buf[BLK * 16];
	if (size == 0)
		return 14695981039346656037ULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", path, errname(errno));
	uint64_t h = 14695981039346656037ULL;
	long long off = 0;
	while (off < size) {
		long long d = lseek(fd, off, SEEK_DATA);
		if (d < 0) {
			if (errno == ENXIO)
				break;
			fail("SEEK_DATA %s: %s", path, errname(errno));
		}
		long long e = lseek(fd, d, SEEK_HOLE);
		if (e < 0)
			fail("SEEK_HOLE %s: %s", path, errname(errno));
		d &= ~(long long)(BLK - 1);
		for (off = d; off < e;) {
			size_t want = sizeof buf;
			if (e - off < (long long)want)
				want = (size_t)(e - off);
			ssize_t r = pread(fd, buf, want, off);
			if (r < 0)
				fail("read %s: %s", path, errname(errno));
			if (r == 0)
				break;
			for (ssize_t i = 0; i < r; i += BLK) {
				size_t n = r - i < BLK ? (size_t)(r - i) : BLK;
				if (is_zero(buf + i, n))
					continue;
				long long at = off + i;
				h = fnv(h, &at, sizeof at);
				h = fnv(h, buf + i, n);
			}
			off += r;
		}
		if (off < e)
			off = e;
	}
	close(fd);
	return h;
}

/* xattrs appends " xattr name=hash..." for path's attributes in name order. */
static void xattrs(const char *path, char *out, size_t outn)
{
	static char list[65536];
	static char val[65536];
	ssize_t n = llistxattr(path, list, sizeof list);
	if (n < 0)
		fail("llistxattr %s: %s", path, errname(errno));
	const char *names[256];
	int k = 0;
	for (ssize_t i = 0; i < n && k < 256; i += strlen(list + i) + 1)
		names[k++] = list + i;
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (int i = 0; i < k; i++) {
		ssize_t v = lgetxattr(path, names[i], val, sizeof val);
		if (v < 0)
			fail("lgetxattr %s %s: %s", path, names[i], errname(errno));
		size_t l = strlen(out);
		snprintf(out + l, outn - l, " xattr:%s=%zd/%016llx", names[i], v,
			 (unsigned long long)fnv(14695981039346656037ULL, val, v));
	}
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* walk prints (or, in a big directory, folds into *fold) one line per
 * entry of dir, recursing into subdirectories. */
static void walk(const char *dir, uint64_t *fold, long *nfold)
{
	DIR *d = opendir(dir);
	if (!d)
		fail("opendir %s: %s", dir, errname(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				fail("realloc");
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	uint64_t myfold = 14695981039346656037ULL;
	long mynfold = 0;
	int folding = n > FOLD;
	for (size_t i = 0; i < n; i++) {
		char path[4096], line[8192];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct stat st;
		if (lstat(path, &st) < 0)
			fail("lstat %s: %s", path, errname(errno));
		snprintf(line, sizeof line, "%s mode=%o uid=%d gid=%d nlink=%ld", path + 4,
			 st.st_mode, st.st_uid, st.st_gid, (long)st.st_nlink);
		size_t l = strlen(line);
		if (S_ISREG(st.st_mode)) {
			snprintf(line + l, sizeof line - l, " size=%lld hash=%016llx", (long long)st.st_size,
				 (unsigned long long)content(path, st.st_size));
		} else if (S_ISLNK(st.st_mode)) {
			char t[4097];
			ssize_t r = readlink(path, t, sizeof t - 1);
			if (r < 0)
				fail("readlink %s: %s", path, errname(errno));
			t[r] = 0;
			snprintf(line + l, sizeof line - l, " size=%lld target=%016llx/%zd",
				 (long long)st.st_size, (unsigned long long)fnv(14695981039346656037ULL, t, r), r);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			snprintf(line + l, sizeof line - l, " rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
		}
		xattrs(path, line, sizeof line);
		if (folding) {
			myfold = fnv(myfold, line, strlen(line) + 1);
			mynfold++;
		} else if (fold) {
			*fold = fnv(*fold, line, strlen(line) + 1);
			(*nfold)++;
		} else {
			printf("%s\n", line);
		}
		if (S_ISDIR(st.st_mode))
			walk(path, folding ? &myfold : fold, folding ? &mynfold : nfold);
		free(names[i]);
	}
	free(names);
	if (folding) {
		if (fold) {
			*fold = fnv(*fold, &myfold, sizeof myfold);
			*nfold += mynfold;
		} else {
			printf("%s/ folded=%zu lines=%ld hash=%016llx\n", dir + 4 < dir + strlen(dir) ? dir + 4 : "",
			       n, mynfold, (unsigned long long)myfold);
		}
	}
}

int main(void)
{
	if (mkdir("mnt", 0755) < 0 && errno != EEXIST)
		fail("mkdir: %s", errname(errno));
	/* Read-only, unless a program that was killed left the disk mounted
	 * read-write (then a second mount must match it). */
	if (mount("/dev/vdb", "mnt", "ext4", MS_RDONLY, NULL) < 0 &&
	    (errno != EBUSY || mount("/dev/vdb", "mnt", "ext4", 0, NULL) < 0))
		fail("mount /dev/vdb: %s", errname(errno));
	struct statfs sf;
	if (statfs("mnt", &sf) < 0)
		fail("statfs: %s", errname(errno));
	OUT("inodes_used", "%llu", (unsigned long long)(sf.f_files - sf.f_ffree));
	walk("mnt", NULL, NULL);
	if (umount2("mnt", 0) < 0)
		fail("umount: %s", errname(errno));
	pass();
}
