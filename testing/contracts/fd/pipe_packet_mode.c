/* pipe2(O_DIRECT) is packet mode: every write is a packet (a write longer
 * than a page is one packet per page), a read returns at most one packet
 * and drops what of it does not fit, each packet takes one of the pipe's
 * page slots, FIONREAD counts bytes, and F_SETFL can turn the mode off. */
#include "contract.h"
#include <sys/ioctl.h>

int main(void)
{
	int p[2];
	SYS(pipe2(p, O_DIRECT | O_NONBLOCK));
	EQ("getfl_direct", (fcntl(p[1], F_GETFL) & O_DIRECT) != 0, 1);
	writeall(p[1], "one", 3);
	writeall(p[1], "two22", 5);
	writeall(p[1], "three", 5);
	int n;
	SYS(ioctl(p[0], FIONREAD, &n));
	EQ("fionread", n, 13);
	char buf[8192];
	EQ("read_one", read(p[0], buf, sizeof buf), 3);
	EQ("read_truncated", read(p[0], buf, 2), 2);
	buf[2] = 0;
	STREQ("truncated_data", buf, "tw");
	EQ("read_three", read(p[0], buf, sizeof buf), 5);
	ERR("empty", read(p[0], buf, sizeof buf), EAGAIN);

	/* A long write becomes page-sized packets. */
	char big[6000];
	memset(big, 'b', sizeof big);
	EQ("long_write", write(p[1], big, sizeof big), 6000);
	EQ("long_first", read(p[0], buf, sizeof buf), 4096);
	EQ("long_second", read(p[0], buf, sizeof buf), 1904);

	/* Slots: 16 one-byte packets fill a 64 KiB pipe. */
	int k = 0;
	while (write(p[1], "x", 1) == 1)
		k++;
	EQ("packets_fit", k, 16);
	EQ("full_errno", errno == EAGAIN, 1);
	SYS(ioctl(p[0], FIONREAD, &n));
	EQ("fionread_full", n, 16);
	EQ("read_one_byte", read(p[0], buf, sizeof buf), 1);
	EQ("room_again", write(p[1], "y", 1), 1);
	while (read(p[0], buf, sizeof buf) > 0)
		;

	/* Without O_DIRECT the writes merge. */
	SYS(fcntl(p[1], F_SETFL, O_NONBLOCK));
	writeall(p[1], "ab", 2);
	writeall(p[1], "cd", 2);
	EQ("stream_read", read(p[0], buf, sizeof buf), 4);
	/* Turning it back on by F_SETFL works on a pipe. */
	SYS(fcntl(p[1], F_SETFL, O_NONBLOCK | O_DIRECT));
	writeall(p[1], "ab", 2);
	writeall(p[1], "cd", 2);
	EQ("packet_again", read(p[0], buf, sizeof buf), 2);
	/* A pipe without O_DIRECT on the write end. */
	int q[2];
	SYS(pipe2(q, O_NONBLOCK));
	k = 0;
	while (write(q[1], "x", 1) == 1)
		k++;
	EQ("stream_fill", k, 65536);
	pass();
}
