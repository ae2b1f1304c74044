/* /proc/net is a link to self/net, and /proc/net/unix lists the live
 * AF_UNIX sockets as Linux's unix_seq_show does: a header, then per socket
 * RefCount, Protocol, Flags (00010000 when listening), Type, St (01
 * unconnected, 03 connected, 02 for a connection not yet accepted, which
 * has inode 0 and its listener's name), the inode and the name (abstract
 * names with '@'). A closed socket leaves the list. Lines are matched by
 * inode number; the Num (a kernel address) and RefCount columns are not
 * compared. */
#include "contract.h"
#include <sys/socket.h>
#include <stddef.h>
#include <sys/un.h>

struct row { char flags[16], type[8], st[8], path[128]; unsigned long ino; int found; };

static int scan(struct row *r, unsigned long ino, const char *path)
{
	static char buf[65536];
	if (read_file("/proc/net/unix", buf, sizeof buf) < 0)
		fail("read /proc/net/unix: %s", errname(errno));
	int count = 0;
	char *save, *line = strtok_r(buf, "\n", &save);
	line = strtok_r(NULL, "\n", &save); /* header checked by the caller */
	for (; line; line = strtok_r(NULL, "\n", &save)) {
		char num[32], ref[16], proto[16], flags[16], type[8], st[8], p[128] = "";
		unsigned long i;
		int n = sscanf(line, "%31s %15s %15s %15s %7s %7s %lu %127s", num, ref, proto, flags, type, st, &i, p);
		if (n < 7)
			fail("bad line %s", line);
		if ((ino && i == ino) || (!ino && i == 0 && path && strcmp(p, path) == 0)) {
			snprintf(r->flags, sizeof r->flags, "%s", flags);
			snprintf(r->type, sizeof r->type, "%s", type);
			snprintf(r->st, sizeof r->st, "%s", st);
			snprintf(r->path, sizeof r->path, "%s", p);
			STREQ("protocol", proto, "00000000");
			count++;
		}
	}
	return count;
}

static unsigned long inode_of(int fd)
{
	struct stat st;
	SYS(fstat(fd, &st));
	return st.st_ino;
}

static void show(const char *key, int fd)
{
	struct row r = {0};
	int n = scan(&r, inode_of(fd), NULL);
	if (n != 1)
		fail("%s: %d rows", key, n);
	OUT(key, "flags=%s type=%s st=%s path=%s", r.flags, r.type, r.st, r.path[0] ? r.path : "-");
}

int main(void)
{
	char link[64] = {0};
	SYS(readlink("/proc/net", link, sizeof link - 1));
	STREQ("proc_net", link, "self/net");
	char buf[256];
	SYS(read_file("/proc/net/unix", buf, sizeof buf));
	*strchr(buf, '\n') = 0;
	STREQ("header", buf, "Num       RefCount Protocol Flags    Type St Inode Path");

	int l = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, "netunix.sock");
	SYS(bind(l, (struct sockaddr *)&a, sizeof a));
	show("bound", l);
	SYS(listen(l, 4));
	show("listening", l);
	int c = SYS(socket(AF_UNIX, SOCK_STREAM, 0));
	show("fresh", c);
	SYS(connect(c, (struct sockaddr *)&a, sizeof a));
	show("client", c);
	struct row r = {0};
	EQ("embryos", scan(&r, 0, "netunix.sock"), 1);
	OUT("embryo", "flags=%s type=%s st=%s path=%s", r.flags, r.type, r.st, r.path);
	int s = SYS(accept(l, NULL, NULL));
	show("accepted", s);
	EQ("embryos_after_accept", scan(&r, 0, "netunix.sock"), 0);

	int sv[2];
	SYS(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	show("pair", sv[0]);
	int d = SYS(socket(AF_UNIX, SOCK_DGRAM, 0));
	struct sockaddr_un ab = {.sun_family = AF_UNIX};
	memcpy(ab.sun_path, "\0net\0unix", 9);
	SYS(bind(d, (struct sockaddr *)&ab, offsetof(struct sockaddr_un, sun_path) + 9));
	show("abstract_dgram", d);

	unsigned long gone = inode_of(sv[1]);
	close(sv[1]);
	EQ("closed_rows", scan(&r, gone, NULL), 0);
	show("pair_after_peer_close", sv[0]);
	pass();
}
