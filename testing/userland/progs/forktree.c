/*
 * forktree.c: a tree of 200 processes. Node k (1..200) forks nodes 2k and
 * 2k+1; every node reports itself on a shared pipe, waits for its children
 * (some already zombies, some still running) and exits with the size of its
 * subtree. The root checks that all 200 were reaped, the subtree sizes add
 * up, and prints a checksum of every exit status it and its descendants saw.
 */
#include "contract.h"
#include <time.h>

#define N 200

static int report_fd;

struct rec {
	int node;
	int status_sum; /* sum of the children's exit statuses seen by node */
};

static int node(int k)
{
	pid_t kids[2];
	int nk = 0;
	for (int c = 2 * k; c <= 2 * k + 1 && c <= N; c++) {
		pid_t p = fork();
		if (p < 0)
			return -1;
		if (p == 0)
			_exit(node(c));
		kids[nk++] = p;
	}
	/* Odd nodes let their children become zombies first. */
	if (k & 1) {
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	int size = 1, sum = 0;
	for (int i = nk - 1; i >= 0; i--) {
		int st;
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st))
			return 255;
		size += WEXITSTATUS(st);
		sum += WEXITSTATUS(st);
	}
	errno = 0;
	if (wait(NULL) != -1 || errno != ECHILD)
		return 254;
	struct rec r = {k, sum};
	if (write(report_fd, &r, sizeof r) != sizeof r)
		return 253;
	return size;
}

int main(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	report_fd = p[1];
	pid_t root = fork();
	CHECK(root >= 0);
	if (root == 0) {
		close(p[0]);
		_exit(node(1));
	}
	close(p[1]);
	int st = reap(root);
	OUT("root", "%s", wstatus(st));
	static int seen[N + 1], sums[N + 1];
	long checksum = 0;
	int recs = 0, dup = 0;
	struct rec r;
	ssize_t n;
	while ((n = read(p[0], &r, sizeof r)) == sizeof r) {
		recs++;
		if (r.node < 1 || r.node > N || seen[r.node]++)
			dup++;
		else
			sums[r.node] = r.status_sum;
	}
	/* Arrival order varies: fold the statuses in node order. */
	for (int k = 1; k <= N; k++)
		checksum = (checksum * 131 + (long)k * 1000 + sums[k]) % 1000000007L;
	OUT("status_checksum", "%ld", checksum);
	EQ("records", recs, N);
	EQ("bad_records", dup, 0);
	int missing = 0;
	for (int k = 1; k <= N; k++)
		missing += !seen[k];
	EQ("missing", missing, 0);
	EQ("subtree_size_of_root", WIFEXITED(st) ? WEXITSTATUS(st) : -1, N);
	errno = 0;
	long w = wait(NULL);
	OUT("wait_after", "%ld %s", w, errname(errno));
	pass();
}
