/* The mqueue filesystem: mountable, shows the queues mq_open made (mode,
 * size 80, the status line), creates queues with open(O_CREAT) and
 * removes them with unlink, refuses directories; statfs magic; the sticky
 * root; /proc/sys/fs/mqueue limits apply. */
#include "mq.h"
#include <dirent.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>

int main(void)
{
	SYS(mkdir("mq", 0755));
	SYS(mount("none", "mq", "mqueue", 0, NULL));
	struct statfs sf;
	SYS(statfs("mq", &sf));
	EQ("magic", sf.f_type, 0x19800202);
	struct stat st;
	SYS(stat("mq", &st));
	OUT("root_mode", "%o", st.st_mode);
	mqunlink("ct_fs");
	umask(022);
	int q = SYS(mqopen("ct_fs", O_RDWR | O_CREAT, 0666, NULL));
	SYS(stat("mq/ct_fs", &st));
	OUT("queue_mode", "%o", st.st_mode);
	EQ("queue_size", st.st_size, 80);
	SYS(mqsend(q, "hello", 5, 0, NULL));
	char line[128];
	SYS(read_file("mq/ct_fs", line, sizeof line));
	OUT("status", "%s", strtok(line, "\n"));
	int fd = SYS(open("mq/ct_fs", O_RDONLY));
	char b[200];
	long n = read(fd, b, sizeof b);
	EQ("read_len", n, 60);
	EQ("read_again_eof", read(fd, b, sizeof b), 0);
	int wfd = SYS(open("mq/ct_fs", O_WRONLY));
	ERR("write_file", write(wfd, "x", 1), EINVAL);
	close(wfd);
	close(fd);
	/* A queue made through the filesystem is a queue. */
	int cf = SYS(open("mq/ct_fs_made", O_CREAT | O_RDWR, 0600));
	close(cf);
	int q2 = SYS(mqopen("ct_fs_made", O_RDWR, 0, NULL));
	struct mq_attr a;
	SYS(mqattr(q2, NULL, &a));
	EQ("made_maxmsg", a.mq_maxmsg, 10);
	SYS(unlink("mq/ct_fs_made"));
	ERR("unlinked_gone", mqopen("ct_fs_made", O_RDWR, 0, NULL), ENOENT);
	ERR("mkdir", mkdir("mq/sub", 0755), EPERM);
	int seen = 0;
	DIR *d = opendir("mq");
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, "ct_fs") == 0)
			seen = e->d_type;
	closedir(d);
	EQ("listed_as_reg", seen, DT_REG);
	/* A second mount shows the same queues. */
	SYS(mkdir("mq2", 0755));
	SYS(mount("none", "mq2", "mqueue", 0, NULL));
	EQ("second_mount", access("mq2/ct_fs", F_OK), 0);
	SYS(umount("mq2"));
	/* Limits: msg_max bounds an unprivileged creator. */
	char v[32];
	SYS(read_file("/proc/sys/fs/mqueue/msg_max", v, sizeof v));
	OUT("msg_max", "%s", strtok(v, "\n"));
	SYS(read_file("/proc/sys/fs/mqueue/msgsize_max", v, sizeof v));
	OUT("msgsize_max", "%s", strtok(v, "\n"));
	SYS(read_file("/proc/sys/fs/mqueue/msg_default", v, sizeof v));
	OUT("msg_default", "%s", strtok(v, "\n"));
	SYS(read_file("/proc/sys/fs/mqueue/queues_max", v, sizeof v));
	OUT("queues_max", "%s", strtok(v, "\n"));
	ERR("msg_max_zero", write_file("/proc/sys/fs/mqueue/msg_max", "0"), EINVAL);
	SYS(write_file("/proc/sys/fs/mqueue/msg_default", "5"));
	mqunlink("ct_fs_def");
	int q3 = SYS(mqopen("ct_fs_def", O_RDWR | O_CREAT, 0600, NULL));
	SYS(mqattr(q3, NULL, &a));
	EQ("msg_default_applies", a.mq_maxmsg, 5);
	SYS(write_file("/proc/sys/fs/mqueue/msg_default", "10"));
	pid_t c = SYS(fork());
	if (c == 0) {
		SYS(setresuid(1000, 1000, 1000));
		struct mq_attr big = {.mq_maxmsg = 11, .mq_msgsize = 16};
		ERR("unpriv_over_msg_max", mqopen("ct_fs_u", O_RDWR | O_CREAT, 0600, &big), EINVAL);
		ERR("unpriv_unlink_sticky", mqunlink("ct_fs"), EPERM);
		ERR("unpriv_open_0644_rdwr", mqopen("ct_fs", O_RDWR, 0, NULL), EACCES);
		EQ("unpriv_open_rdonly", mqopen("ct_fs", O_RDONLY, 0, NULL) >= 0, 1);
		/* Creating through the mount is charged like mq_open. */
		struct rlimit rl = {0, 0};
		SYS(setrlimit(RLIMIT_MSGQUEUE, &rl));
		ERR("unpriv_create_over_rlimit", open("mq/ct_fs_u2", O_CREAT | O_RDWR, 0600), EMFILE);
		_exit(0);
	}
	STREQ("unprivileged", wstatus(reap(c)), "exit 0");
	SYS(mqunlink("ct_fs"));
	SYS(mqunlink("ct_fs_def"));
	SYS(umount("mq"));
	pass();
}
