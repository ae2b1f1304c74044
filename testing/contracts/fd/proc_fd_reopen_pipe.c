/* Opening /proc/self/fd/N of a pipe (bash's <(...), `cat /dev/stdin`)
 * opens that same pipe again: a new open file description with the access
 * mode asked for, without a named FIFO's waits for the other end or its
 * ENXIO. Sockets cannot be reopened (ENXIO), and a pipe is no
 * directory (ENOTDIR). */
#include "contract.h"
#include <sys/eventfd.h>
#include <sys/socket.h>

static int reopen(int fd, int flags)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return open(path, flags);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	int p[2];
	SYS(pipe(p));
	writeall(p[1], "abc", 3);
	int r2 = SYS(reopen(p[0], O_RDONLY));
	char buf[16] = {0};
	EQ("read_via_reopened", read(r2, buf, sizeof buf), 3);
	STREQ("data", buf, "abc");
	EQ("accmode_r", fcntl(r2, F_GETFL) & O_ACCMODE, O_RDONLY);
	struct stat a, b;
	SYS(fstat(p[0], &a));
	SYS(fstat(r2, &b));
	EQ("same_inode", a.st_ino == b.st_ino && a.st_dev == b.st_dev, 1);
	EQ("is_fifo", S_ISFIFO(b.st_mode), 1);
	char l1[64] = {0}, l2[64] = {0}, path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	SYS(readlink(path, l1, sizeof l1 - 1));
	snprintf(path, sizeof path, "/proc/self/fd/%d", r2);
	SYS(readlink(path, l2, sizeof l2 - 1));
	EQ("same_link_text", strcmp(l1, l2), 0);
	char want[64];
	snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)a.st_ino);
	EQ("link_names_inode", strcmp(l1, want), 0);

	/* The read end's link opened for writing is a writer of the pipe. */
	int w2 = SYS(reopen(p[0], O_WRONLY));
	EQ("accmode_w", fcntl(w2, F_GETFL) & O_ACCMODE, O_WRONLY);
	writeall(w2, "xyz", 3);
	memset(buf, 0, sizeof buf);
	EQ("read_original", read(p[0], buf, sizeof buf), 3);
	STREQ("data2", buf, "xyz");
	int rw = SYS(reopen(p[1], O_RDWR));
	EQ("accmode_rw", fcntl(rw, F_GETFL) & O_ACCMODE, O_RDWR);
	close(rw);

	/* End of file only once every writer, old and new, is gone. */
	SYS(fcntl(r2, F_SETFL, O_NONBLOCK));
	close(p[1]);
	ERR("still_a_writer", read(r2, buf, sizeof buf), EAGAIN);
	close(w2);
	EQ("eof", read(r2, buf, sizeof buf), 0);
	close(r2);
	close(p[0]);

	int q[2];
	SYS(pipe(q));
	close(q[0]);
	/* Unlike a named FIFO, neither waits nor ENXIO (fifo_open's is_pipe). */
	int w3 = SYS(reopen(q[1], O_WRONLY | O_NONBLOCK));
	ERR("write_no_reader", write(w3, "x", 1), EPIPE);
	close(w3);
	close(q[1]);
	SYS(pipe(q));
	close(q[1]);
	int r3 = SYS(reopen(q[0], O_RDONLY));
	EQ("read_no_writer_eof", read(r3, buf, 1), 0);
	close(r3);
	close(q[0]);

	SYS(pipe(q));
	snprintf(path, sizeof path, "/proc/self/fd/%d/x", q[0]);
	ERR("as_directory", open(path, O_RDONLY), ENOTDIR);

	int sv[2];
	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ERR("socket", reopen(sv[0], O_RDWR), ENXIO);
	pass();
}
