/*
 * ext4prog: the guest side of testing/ext4crash, run as PID 1 from an
 * initramfs with its mode after "--" on the kernel command line.
 *
 *   writer SEED   mounts /dev/vda on /mnt and creates, renames, appends
 *                 and fsyncs files forever; after each fsync (of the file
 *                 and of the directories its name needs) it prints
 *                   DUR <k> <name> <len> <fnv64 of the content>
 *                   NAME <k> <name>
 *                 The host stops QEMU at a random moment.
 *   checker       mounts /dev/vda (replaying the journal), checks every
 *                 line of /expect ("<k> <names> <len> <hash>": file k is
 *                 under exactly one of the names (comma-separated) and
 *                 begins with len bytes of that hash), walks and reads the
 *                 whole tree, unmounts and powers off.
 *   corrupt N     mounts /dev/vda.. (N disks) one by one, walks, reads and
 *                 writes them, printing the errno of every failure, then
 *                 checks the kernel still forks, execs and writes files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static void out(const char *fmt, ...) {
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
	/* One write per line: the line reaches the console whole. */
	write(1, buf, n);
}

static void die(const char *what) {
	out("FATAL %s: errno %d (%s)\n", what, errno, strerror(errno));
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);
}

static void waitdev(const char *dev) {
	for (int i = 0; i < 200; i++) {
		if (access(dev, F_OK) == 0) return;
		usleep(50000);
	}
	errno = ENOENT;
	die(dev);
}

static void setup(void) {
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY) die("mount devtmpfs");
	mkdir("/mnt", 0755);
}

/* The content of file k: byte i of a stream that differs per file. */
static unsigned char content(int k, uint64_t i) {
	uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull + (i / 8) * 0xBF58476D1CE4E5B9ull;
	x ^= x >> 29;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 32;
	return (unsigned char)(x >> ((i % 8) * 8));
}

static uint64_t fnv(const unsigned char *p, size_t n, uint64_t h) {
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV0 0xcbf29ce484222325ull

static uint64_t rng;
static uint32_t rnd(uint32_t n) {
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void fsyncpath(const char *p) {
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	if (fd < 0) die(p);
	if (fsync(fd) != 0) die("fsync dir");
	close(fd);
}

#define MAXF 4096
static struct {
	int live;      /* has a name */
	char dir[8];   /* d0..d3 */
	char name[16]; /* f<k> or g<k> */
	uint64_t len, hash;
} files[MAXF];

static void path(char *buf, int k) { sprintf(buf, "/mnt/%s/%s", files[k].dir, files[k].name); }

/* appendk writes n more bytes of file k's stream at its end. */
static void appendk(int fd, int k, uint64_t from, uint64_t n) {
	unsigned char buf[8192];
	while (n > 0) {
		size_t m = n > sizeof buf ? sizeof buf : n;
		for (size_t i = 0; i < m; i++) buf[i] = content(k, from + i);
		ssize_t w = write(fd, buf, m);
		if (w <= 0) die("write");
		from += w;
		n -= w;
	}
}

static void writer(uint64_t seed) {
	rng = seed * 2654435761u + 1;
	waitdev("/dev/vda");
	if (mount("/dev/vda", "/mnt", "ext4", 0, NULL) != 0) die("mount /dev/vda");
	for (int d = 0; d < 4; d++) {
		char p[32];
		sprintf(p, "/mnt/d%d", d);
		if (mkdir(p, 0755) != 0) die("mkdir");
	}
	fsyncpath("/mnt");
	out("WRITER READY seed %llu\n", (unsigned long long)seed);
	int n = 0;
	char p[64], q[64];
	for (int iter = 0;; iter++) {
		int op = rnd(10);
		if (op < 4 && n < MAXF) {
			/* Create under a temporary name, write, fsync, rename to its
			 * name, fsync the directory. */
			int k = n++;
			sprintf(files[k].dir, "d%u", rnd(4));
			sprintf(p, "/mnt/%s/t%d", files[k].dir, k);
			int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd < 0) die("create");
			uint64_t len = rnd(4) == 0 ? rnd(200000) : rnd(9000);
			appendk(fd, k, 0, len);
			if (fsync(fd) != 0) die("fsync");
			close(fd);
			sprintf(files[k].name, "f%d", k);
			path(q, k);
			if (rename(p, q) != 0) die("rename");
			sprintf(p, "/mnt/%s", files[k].dir);
			fsyncpath(p);
			files[k].live = 1;
			unsigned char *buf = malloc(len + 1);
			for (uint64_t i = 0; i < len; i++) buf[i] = content(k, i);
			files[k].len = len;
			files[k].hash = fnv(buf, len, FNV0);
			free(buf);
			out("DUR %d %s/%s %llu %016llx .\n", k, files[k].dir, files[k].name, (unsigned long long)len, (unsigned long long)files[k].hash);
		} else if (op < 7 && n > 0) {
			/* Append to a file and fsync it. */
			int k = rnd(n);
			if (!files[k].live) continue;
			path(p, k);
			int fd = open(p, O_WRONLY | O_APPEND);
			if (fd < 0) die("open append");
			uint64_t add = 1 + rnd(rnd(3) == 0 ? 70000 : 5000);
			appendk(fd, k, files[k].len, add);
			int sync = rnd(3) != 0;
			if (sync && fsync(fd) != 0) die("fsync append");
			close(fd);
			uint64_t h = files[k].hash;
			for (uint64_t i = files[k].len; i < files[k].len + add; i++) {
				unsigned char c = content(k, i);
				h = fnv(&c, 1, h);
			}
			files[k].len += add;
			files[k].hash = h;
			if (sync)
				out("DUR %d %s/%s %llu %016llx .\n", k, files[k].dir, files[k].name, (unsigned long long)files[k].len, (unsigned long long)h);
			else
				out("APPENDED %d %llu\n", k, (unsigned long long)files[k].len);
		} else if (op < 8 && n > 0) {
			/* Rename f<k> to g<k>, maybe into another directory, and
			 * fsync both directories. */
			int k = rnd(n);
			if (!files[k].live || files[k].name[0] == 'g') continue;
			path(p, k);
			char od[8];
			strcpy(od, files[k].dir);
			sprintf(files[k].dir, "d%u", rnd(4));
			sprintf(files[k].name, "g%d", k);
			path(q, k);
			if (rename(p, q) != 0) die("rename g");
			sprintf(p, "/mnt/%s", files[k].dir);
			fsyncpath(p);
			sprintf(p, "/mnt/%s", od);
			fsyncpath(p);
			out("NAME %d %s/%s .\n", k, files[k].dir, files[k].name);
		} else {
			/* Scratch work nothing is asserted about: a file written,
			 * truncated, given an xattr and removed, a directory made
			 * and removed. */
			sprintf(p, "/mnt/d%u/scratch%d", rnd(4), iter);
			int fd = open(p, O_RDWR | O_CREAT, 0644);
			if (fd < 0) die("scratch");
			appendk(fd, iter, 0, rnd(30000));
			ftruncate(fd, rnd(10000));
			fsetxattr(fd, "user.scratch", p, strlen(p), 0);
			close(fd);
			if (rnd(2)) unlink(p);
			sprintf(q, "/mnt/d%u/sdir%d", rnd(4), iter);
			mkdir(q, 0755);
			if (rnd(2)) rmdir(q);
		}
	}
}

/* walk reads every file and directory under p; it returns the number of
 * entries seen. */
static int walkfail;
static const char *curdisk = "vda";
static int walk(const char *p, int depth, int verbose) {
	DIR *d = opendir(p);
	if (!d) {
		if (verbose) out("OP %s opendir %s errno %d\n", curdisk, p, errno);
		walkfail++;
		return 0;
	}
	int count = 0;
	struct dirent *e;
	for (;;) {
		errno = 0;
		if ((e = readdir(d)) == NULL) break;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
		char q[512];
		snprintf(q, sizeof q, "%s/%s", p, e->d_name);
		count++;
		struct stat st;
		if (lstat(q, &st) != 0) {
			if (verbose) out("OP %s lstat %s errno %d\n", curdisk, q, errno);
			walkfail++;
			continue;
		}
		char xl[1024];
		if (llistxattr(q, xl, sizeof xl) < 0 && errno != ENODATA && errno != ERANGE) {
			if (verbose) out("OP %s listxattr %s errno %d\n", curdisk, q, errno);
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth < 8) count += walk(q, depth + 1, verbose);
		} else if (S_ISLNK(st.st_mode)) {
			char t[4096];
			if (readlink(q, t, sizeof t) < 0) {
				if (verbose) out("OP %s readlink %s errno %d\n", curdisk, q, errno);
				walkfail++;
			}
		} else if (S_ISREG(st.st_mode)) {
			int fd = open(q, O_RDONLY);
			if (fd < 0) {
				if (verbose) out("OP %s open %s errno %d\n", curdisk, q, errno);
				walkfail++;
				continue;
			}
			char buf[65536];
			ssize_t r;
			for (int i = 0; i < 16 && (r = read(fd, buf, sizeof buf)) > 0; i++) {
			}
			if (r < 0) {
				if (verbose) out("OP %s read %s errno %d\n", curdisk, q, errno);
				walkfail++;
			}
			close(fd);
		}
	}
	if (errno != 0) {
		if (verbose) out("OP %s readdir %s errno %d\n", curdisk, p, errno);
		walkfail++;
	}
	closedir(d);
	return count;
}

static int checkfile(int k, char *names, uint64_t len, uint64_t hash) {
	int found = 0;
	char where[128] = "";
	for (char *s = strtok(names, ","); s; s = strtok(NULL, ",")) {
		char p[128];
		snprintf(p, sizeof p, "/mnt/%s", s);
		struct stat st;
		if (stat(p, &st) == 0) {
			found++;
			snprintf(where, sizeof where, "%s", p);
		}
	}
	if (found != 1) {
		out("BAD %d found under %d of its names\n", k, found);
		return 0;
	}
	int fd = open(where, O_RDONLY);
	if (fd < 0) {
		out("BAD %d open %s errno %d\n", k, where, errno);
		return 0;
	}
	uint64_t h = FNV0, got = 0;
	unsigned char buf[65536];
	while (got < len) {
		size_t m = len - got > sizeof buf ? sizeof buf : len - got;
		ssize_t r = read(fd, buf, m);
		if (r <= 0) break;
		h = fnv(buf, r, h);
		got += r;
	}
	close(fd);
	if (got != len || h != hash) {
		out("BAD %d %s: %llu bytes hash %016llx, want at least %llu bytes hash %016llx\n", k, where,
		    (unsigned long long)got, (unsigned long long)h, (unsigned long long)len, (unsigned long long)hash);
		return 0;
	}
	return 1;
}

static void checker(void) {
	waitdev("/dev/vda");
	if (mount("/dev/vda", "/mnt", "ext4", 0, NULL) != 0) die("mount /dev/vda");
	FILE *f = fopen("/expect", "r");
	if (!f) die("/expect");
	int k, ok = 0, bad = 0;
	char names[256];
	unsigned long long len, hash;
	while (fscanf(f, "%d %255s %llu %llx", &k, names, &len, &hash) == 4) {
		if (checkfile(k, names, len, hash)) ok++;
		else bad++;
	}
	fclose(f);
	int entries = walk("/mnt", 0, 1);
	out("CHECKER files ok %d bad %d; walk %d entries %d failures\n", ok, bad, entries, walkfail);
	if (umount("/mnt") != 0) die("umount");
	sync();
	out("CHECKER END\n");
	reboot(RB_POWER_OFF);
}

/* report prints an operation's failure. */
static void report(const char *disk, const char *op, const char *p, int r) {
	if (r < 0) out("OP %s %s %s errno %d\n", disk, op, p, errno);
}

static void corrupt(int ndisks) {
	for (int i = 0; i < ndisks; i++) {
		char dev[32], disk[8];
		sprintf(disk, "vd%c", 'a' + i);
		curdisk = disk;
		sprintf(dev, "/dev/%s", disk);
		waitdev(dev);
		for (int rw = 0; rw < 2; rw++) {
			if (mount(dev, "/mnt", "ext4", rw ? 0 : MS_RDONLY, NULL) != 0) {
				out("MOUNT %s %s errno %d\n", disk, rw ? "rw" : "ro", errno);
				continue;
			}
			out("MOUNT %s %s ok\n", disk, rw ? "rw" : "ro");
			walkfail = 0;
			int n = walk("/mnt", 0, 1);
			out("WALK %s %d entries %d failures\n", disk, n, walkfail);
			if (rw) {
				int fd = open("/mnt/new", O_RDWR | O_CREAT, 0644);
				report(disk, "create", "/mnt/new", fd);
				if (fd >= 0) {
					char buf[20000];
					memset(buf, 'n', sizeof buf);
					report(disk, "write", "/mnt/new", (int)write(fd, buf, sizeof buf));
					report(disk, "fsync", "/mnt/new", fsync(fd));
					close(fd);
				}
				DIR *d = opendir("/mnt");
				struct dirent *e;
				int j = 0;
				while (d && (e = readdir(d)) != NULL) {
					if (e->d_name[0] == '.' || !strcmp(e->d_name, "new") || !strncmp(e->d_name, "renamed", 7)) continue;
					char p[320], q[300];
					snprintf(p, sizeof p, "/mnt/%s", e->d_name);
					if (e->d_type == DT_REG) {
						int fd = open(p, O_WRONLY | O_APPEND);
						report(disk, "open-append", p, fd);
						if (fd >= 0) {
							report(disk, "append", p, (int)write(fd, "appended", 8));
							report(disk, "fsync", p, fsync(fd));
							close(fd);
						}
					}
					snprintf(q, sizeof q, "/mnt/renamed%d", j++);
					report(disk, "rename", p, rename(p, q));
					if (e->d_type == DT_DIR) {
						snprintf(p, sizeof p, "%s/inner", q);
						report(disk, "mkdir", p, mkdir(p, 0755));
					} else {
						report(disk, "unlink", q, unlink(q));
					}
				}
				if (d) closedir(d);
				report(disk, "mkdir", "/mnt/newdir", mkdir("/mnt/newdir", 0755));
				report(disk, "symlink", "/mnt/newlink", symlink("target", "/mnt/newlink"));
				sync();
			}
			if (umount("/mnt") != 0) out("UMOUNT %s %s errno %d\n", disk, rw ? "rw" : "ro", errno);
		}
	}
	/* The kernel is still healthy: a child execs this program, files
	 * in the rootfs take writes and read back. */
	pid_t pid = fork();
	if (pid == 0) {
		execl("/init", "/init", "hello", (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	int fd = open("/health", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[6] = "";
	if (fd >= 0) {
		write(fd, "alive", 5);
		pread(fd, buf, 5, 0);
		close(fd);
	}
	out("HEALTH exec status %d file %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, buf);
	sync();
	reboot(RB_POWER_OFF);
}

int main(int argc, char **argv) {
	if (argc >= 2 && !strcmp(argv[1], "hello")) {
		out("HELLO from pid %d\n", getpid());
		return 7;
	}
	setup();
	if (argc >= 3 && !strcmp(argv[1], "writer")) writer(strtoull(argv[2], NULL, 10));
	else if (argc >= 2 && !strcmp(argv[1], "checker")) checker();
	else if (argc >= 3 && !strcmp(argv[1], "corrupt")) corrupt(atoi(argv[2]));
	else out("usage: ext4prog writer SEED | checker | corrupt N\n");
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
