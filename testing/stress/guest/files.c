/*
 * files.c: create/rename/unlink churn on tmpfs by several processes.
 */
#include "stress.h"
#include "workloads.h"

#include <dirent.h>

enum { FC_KIDS = 4, FC_NAMES = 100, FC_OPS = 1500, FC_SHARED = 150 };

struct fstate {
	int f, g;     /* exists */
	int fv, gv;   /* content */
	int d;        /* directory exists */
};

static void put(const char *path, int v, int excl)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | (excl ? O_EXCL : 0), 0644);
	if (fd < 0)
		FAIL("open %s: errno %d", path, errno);
	CHECKV(write(fd, &v, sizeof v), sizeof v);
	SYS(close(fd));
}

static int get(const char *path)
{
	int v = -1;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		FAIL("open %s: errno %d", path, errno);
	CHECKV(read(fd, &v, sizeof v), sizeof v);
	close(fd);
	return v;
}

static void churn(int k)
{
	char dir[32], f[64], g[64], h[64], d[64];
	struct fstate st[FC_NAMES] = {0};
	snprintf(dir, sizeof dir, "churn/c%d", k);
	SYS(mkdir(dir, 0755));
	rnd_state += k * 1000003;
	for (int op = 0; op < FC_OPS; op++) {
		int i = rnd() % FC_NAMES;
		struct fstate *s = &st[i];
		snprintf(f, sizeof f, "%s/f%d", dir, i);
		snprintf(g, sizeof g, "%s/g%d", dir, i);
		snprintf(h, sizeof h, "%s/h%d", dir, i);
		snprintf(d, sizeof d, "%s/d%d", dir, i);
		struct stat sb;
		switch (rnd() % 5) {
		case 0: /* create */
			if (s->f) {
				ERRNO(open(f, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
			} else {
				put(f, op, 1);
				s->f = 1;
				s->fv = op;
			}
			break;
		case 1: /* rename f over g */
			if (!s->f) {
				ERRNO(rename(f, g), ENOENT);
			} else {
				SYS(rename(f, g));
				s->f = 0;
				s->g = 1;
				s->gv = s->fv;
			}
			break;
		case 2: /* unlink g */
			if (!s->g) {
				ERRNO(unlink(g), ENOENT);
			} else {
				CHECKV(get(g), s->gv);
				SYS(unlink(g));
				s->g = 0;
			}
			break;
		case 3: /* a second link, then drop it */
			if (s->g) {
				SYS(link(g, h));
				SYS(stat(g, &sb));
				CHECKV(sb.st_nlink, 2);
				SYS(unlink(h));
				SYS(stat(g, &sb));
				CHECKV(sb.st_nlink, 1);
			} else {
				ERRNO(link(g, h), ENOENT);
			}
			break;
		default: /* directories */
			if (s->d) {
				char in[80];
				snprintf(in, sizeof in, "%s/x", d);
				put(in, 1, 1);
				ERRNO(rmdir(d), ENOTEMPTY);
				SYS(unlink(in));
				SYS(rmdir(d));
				s->d = 0;
			} else {
				ERRNO(rmdir(d), ENOENT);
				SYS(mkdir(d, 0755));
				ERRNO(mkdir(d, 0755), EEXIST);
				s->d = 1;
			}
		}
	}
	/* The directory holds exactly what the bookkeeping says. */
	int want = 0;
	for (int i = 0; i < FC_NAMES; i++) {
		want += st[i].f + st[i].g + st[i].d;
		if (st[i].f) {
			snprintf(f, sizeof f, "%s/f%d", dir, i);
			CHECKV(get(f), st[i].fv);
		}
		if (st[i].g) {
			snprintf(g, sizeof g, "%s/g%d", dir, i);
			CHECKV(get(g), st[i].gv);
		}
	}
	DIR *dd = opendir(dir);
	CHECK(dd != NULL);
	int got = 0;
	struct dirent *e;
	while ((e = readdir(dd)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int i = atoi(e->d_name + 1);
		CHECK(i >= 0 && i < FC_NAMES);
		switch (e->d_name[0]) {
		case 'f':
			CHECK(st[i].f);
			break;
		case 'g':
			CHECK(st[i].g);
			break;
		case 'd':
			CHECK(st[i].d);
			break;
		default:
			FAIL("unexpected entry %s/%s", dir, e->d_name);
		}
		got++;
	}
	closedir(dd);
	CHECKV(got, want);
	/* The shared directory: unique names renamed under everyone's feet. */
	for (int j = 0; j < FC_SHARED; j++) {
		snprintf(f, sizeof f, "churn/shared/s%d_%d", k, j);
		snprintf(g, sizeof g, "churn/shared/t%d_%d", k, j);
		put(f, j, 1);
		SYS(rename(f, g));
		if (j % 2)
			SYS(unlink(g));
	}
}

void w_fs_churn(int argc, char **argv)
{
	SYS(mkdir("churn", 0755));
	SYS(mkdir("churn/shared", 0755));
	pid_t kids[FC_KIDS];
	for (int k = 0; k < FC_KIDS; k++) {
		kids[k] = SYS(fork());
		if (kids[k] == 0) {
			churn(k);
			_exit(0);
		}
	}
	for (int k = 0; k < FC_KIDS; k++)
		WAIT_EXIT(kids[k], 0);
	DIR *dd = opendir("churn/shared");
	CHECK(dd != NULL);
	int got = 0;
	struct dirent *e;
	while ((e = readdir(dd)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int k, j;
		CHECK(sscanf(e->d_name, "t%d_%d", &k, &j) == 2 && j % 2 == 0);
		char p[300];
		snprintf(p, sizeof p, "churn/shared/%s", e->d_name);
		CHECKV(get(p), j);
		got++;
	}
	closedir(dd);
	CHECKV(got, FC_KIDS * FC_SHARED / 2);
	sayf("fs-churn: %d processes x %d create/rename/unlink/link/mkdir operations, shared directory checked\n",
	     FC_KIDS, FC_OPS);
}
