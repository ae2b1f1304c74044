/* mq_open/mq_unlink: creation, O_EXCL, access modes, names, default and
 * given attributes, close-on-exec, unlink while open. */
#include "mq.h"

int main(void)
{
	mqunlink("ct_basic");
	ERR("missing", mqopen("ct_basic", O_RDWR, 0, NULL), ENOENT);
	int q = SYS(mqopen("ct_basic", O_RDWR | O_CREAT | O_EXCL, 0600, NULL));
	struct mq_attr a;
	SYS(mqattr(q, NULL, &a));
	EQ("default_maxmsg", a.mq_maxmsg, 10);
	EQ("default_msgsize", a.mq_msgsize, 8192);
	EQ("curmsgs", a.mq_curmsgs, 0);
	EQ("flags", a.mq_flags, 0);
	EQ("fd_cloexec_always", fcntl(q, F_GETFD), FD_CLOEXEC);
	ERR("excl", mqopen("ct_basic", O_RDWR | O_CREAT | O_EXCL, 0600, NULL), EEXIST);
	ERR("accmode3", mqopen("ct_basic", 3, 0, NULL), EINVAL);
	int r = SYS(mqopen("ct_basic", O_RDONLY | O_CLOEXEC, 0, NULL));
	EQ("cloexec", fcntl(r, F_GETFD), FD_CLOEXEC);
	ERR("send_on_rdonly", mqsend(r, "x", 1, 0, NULL), EBADF);
	char buf[8192];
	int w = SYS(mqopen("ct_basic", O_WRONLY, 0, NULL));
	ERR("recv_on_wronly", mqrecv(w, buf, sizeof buf, NULL, NULL), EBADF);
	ERR("name_with_slash", mqopen("a/b", O_RDWR | O_CREAT, 0600, NULL), EACCES);
	ERR("name_empty", mqopen("", O_RDWR | O_CREAT, 0600, NULL), ENOENT);
	ERR("name_dot", mqopen(".", O_RDWR | O_CREAT, 0600, NULL), EACCES);
	ERR("name_fault", mqopen((char *)8, O_RDWR, 0, NULL), EFAULT);
	struct mq_attr given = {.mq_maxmsg = 3, .mq_msgsize = 16};
	mqunlink("ct_basic2");
	int q2 = SYS(mqopen("ct_basic2", O_RDWR | O_CREAT, 0600, &given));
	SYS(mqattr(q2, NULL, &a));
	EQ("given_maxmsg", a.mq_maxmsg, 3);
	EQ("given_msgsize", a.mq_msgsize, 16);
	struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 16};
	ERR("maxmsg0", mqopen("ct_bad", O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_maxmsg = 1, bad.mq_msgsize = -1;
	ERR("msgsize_negative", mqopen("ct_bad", O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_maxmsg = 70000, bad.mq_msgsize = 16;
	ERR("maxmsg_over_hard", mqopen("ct_bad", O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_maxmsg = 100, bad.mq_msgsize = 10000;
	ERR("rlimit_msgqueue", mqopen("ct_bad", O_RDWR | O_CREAT, 0600, &bad), EMFILE);
	ERR("attr_fault", mqopen("ct_bad", O_RDWR | O_CREAT, 0600, (struct mq_attr *)8), EFAULT);
	/* Unlink while open: the queue lives on for its descriptors. */
	SYS(mqsend(q, "hello", 5, 1, NULL));
	EQ("unlink", mqunlink("ct_basic"), 0);
	ERR("unlink_again", mqunlink("ct_basic"), ENOENT);
	ERR("unlink_slash", mqunlink("a/b"), EACCES);
	ERR("unlink_empty", mqunlink(""), ENOENT);
	ERR("open_after_unlink", mqopen("ct_basic", O_RDWR, 0, NULL), ENOENT);
	unsigned prio;
	EQ("recv_after_unlink", mqrecv(r, buf, sizeof buf, &prio, NULL), 5);
	ERR("not_a_queue", mqsend(0, "x", 1, 0, NULL), EBADF);
	int fd = SYS(open("plain", O_CREAT | O_RDWR, 0600));
	ERR("file_not_queue", mqsend(fd, "x", 1, 0, NULL), EBADF);
	SYS(mqunlink("ct_basic2"));
	pass();
}
