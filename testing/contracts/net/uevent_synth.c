/* Synthetic uevents: writing an action to a device's uevent attribute
 * (mode 0644) broadcasts the kernel's uevent to NETLINK_KOBJECT_UEVENT
 * group 1: "ACTION@DEVPATH", then ACTION, DEVPATH, SUBSYSTEM, SYNTH_UUID,
 * the device's properties (the attribute's lines) and SEQNUM (what
 * /sys/kernel/uevent_seqnum reads after), each NUL-terminated; from port
 * 0 in group 1, with the credentials of uid 0, pid 0. A UUID and
 * KEY=VALUE arguments become SYNTH_UUID and SYNTH_ARG_ variables; a bad
 * action or argument is EINVAL and announces nothing. */
#include "net.h"
#include <linux/netlink.h>
#include <sys/stat.h>

static int sock;

/* announce writes s to the device's uevent attribute in one write. */
static long announce(const char *dev, const char *s)
{
	char path[256];
	snprintf(path, sizeof path, "/sys/devices/virtual/%s/uevent", dev);
	int fd = SYS(open(path, O_WRONLY | O_CLOEXEC));
	long n = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return n;
}

/* show prints the queued uevents about devpath (others, which Linux may
 * send on its own, are skipped) with SEQNUM checked against
 * uevent_seqnum, and returns how many there were. */
static int show(const char *tag, const char *devpath)
{
	int count = 0;
	for (;;) {
		char buf[4096];
		struct sockaddr_nl from;
		char cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = {buf, sizeof buf - 1};
		struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof cbuf};
		ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT);
		if (n < 0) {
			CHECK(errno == EAGAIN);
			return count;
		}
		buf[n] = 0;
		if (!strstr(buf, devpath))
			continue;
		count++;
		OUT(tag, "from port %u groups %u flags %#x", from.nl_pid, from.nl_groups, mh.msg_flags);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS);
		struct ucred cr;
		memcpy(&cr, CMSG_DATA(c), sizeof cr);
		OUT(tag, "creds pid %d uid %u gid %u", cr.pid, cr.uid, cr.gid);
		CHECK(n > 0 && buf[n - 1] == 0);
		for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
			if (strncmp(p, "SEQNUM=", 7) == 0) {
				char seq[32];
				CHECK(read_file("/sys/kernel/uevent_seqnum", seq, sizeof seq) > 0);
				EQ("seqnum_is_uevent_seqnum", strtoull(p + 7, NULL, 10) == strtoull(seq, NULL, 10), 1);
				OUT(tag, "SEQNUM=N");
			} else {
				OUT(tag, "%s", p);
			}
		}
	}
}

int main(void)
{
	sock = SYS(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	SYS(bind(sock, (void *)&sa, sizeof sa));
	int one = 1;
	SYS(setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	struct stat st;
	SYS(stat("/sys/class/net/lo/uevent", &st));
	OUT("mode", "%o", st.st_mode & 07777);
	show("before", "/devices/virtual/net/lo");

	EQ("add", announce("net/lo", "add\n"), 4);
	EQ("add_events", show("add", "/devices/virtual/net/lo"), 1);
	EQ("change", announce("tty/console", "change"), 6);
	EQ("change_events", show("change", "/devices/virtual/tty/console"), 1);
	const char *args = "add fe4d7c9d-b8c6-4a70-9ef1-3d8a58d18eed WHO=contract N=14\n";
	EQ("args", announce("net/lo", args), (long)strlen(args));
	EQ("args_events", show("args", "/devices/virtual/net/lo"), 1);

	ERR("bad_action", announce("net/lo", "plug"), EINVAL);
	ERR("empty", announce("net/lo", "\n"), EINVAL);
	ERR("bad_uuid", announce("net/lo", "add 1234"), EINVAL);
	ERR("bad_arg", announce("net/lo", "add fe4d7c9d-b8c6-4a70-9ef1-3d8a58d18eed A-B=1"), EINVAL);
	EQ("refused_events", show("refused", "/devices/virtual/net/lo"), 0);
	pass();
}
