/* dnotify, fcntl(F_NOTIFY): a directory descriptor asks for a signal on
 * changes in the directory. F_NOTIFY with no event (0, or DN_MULTISHOT
 * alone, the bit CPython's test_fcntl passes) succeeds on any file and
 * removes the registration; an event on a non-directory is ENOTDIR. Each
 * DN_* event is raised by its operations (reads, writes, creates, renames,
 * unlinks, attribute changes of entries, and of the directory itself);
 * without DN_MULTISHOT one signal ends the registration; requests add up;
 * F_NOTIFY makes the caller the owner when none is set; SIGIO comes with
 * SI_KERNEL, an F_SETSIG signal with POLL_MSG, si_fd and si_band; closing
 * the descriptor ends it. */
#include "contract.h"
#include <poll.h>

static sigset_t set;

/* drain counts the signals pending in set, printing the first one's fields. */
static void drain(const char *key)
{
	siginfo_t si;
	struct timespec zero = {0, 0};
	int n = 0, s;
	char first[160] = "none";
	while ((s = sigtimedwait(&set, &si, &zero)) > 0) {
		if (n++ == 0) {
			if (s == SIGIO)
				snprintf(first, sizeof first, "SIGIO code=%d", si.si_code);
			else
				snprintf(first, sizeof first, "RT1 code=%d fd=%d band=%#lx", si.si_code, si.si_fd, (long)si.si_band);
		}
	}
	OUT(key, "count=%d first: %s", n, first);
}

/* watch opens directory d as descriptor 10 and registers events there. */
static int watch(const char *d, unsigned long events)
{
	int fd = SYS(open(d, O_RDONLY | O_DIRECTORY));
	SYS(dup2(fd, 10));
	close(fd);
	SYS(fcntl(10, F_SETSIG, SIGRTMIN + 1));
	SYS(fcntl(10, F_NOTIFY, events));
	return 10;
}

int main(void)
{
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigaddset(&set, SIGRTMIN + 1);
	SYS(sigprocmask(SIG_BLOCK, &set, NULL));
	SYS(mkdir("d", 0755));
	SYS(mkdir("e", 0755));
	SYS(write_file("d/f", "hello"));
	SYS(write_file("plain", "x"));

	int pf = SYS(open("plain", O_RDONLY));
	EQ("notify_0_on_file", fcntl(pf, F_NOTIFY, 0), 0);
	EQ("notify_multishot_only_on_file", fcntl(pf, F_NOTIFY, DN_MULTISHOT), 0);
	ERR("notify_create_on_file", fcntl(pf, F_NOTIFY, DN_CREATE), ENOTDIR);
	close(pf);

	/* Default signal: SIGIO, owner set by F_NOTIFY. */
	int d = SYS(open("d", O_RDONLY | O_DIRECTORY));
	EQ("owner_before", fcntl(d, F_GETOWN), 0);
	SYS(fcntl(d, F_NOTIFY, DN_CREATE));
	EQ("owner_is_caller", fcntl(d, F_GETOWN) == getpid(), 1);
	SYS(write_file("d/g", "1"));
	drain("create_sigio");
	SYS(write_file("d/h", "1"));
	drain("oneshot_no_second");
	close(d);

	d = watch("d", DN_CREATE | DN_MULTISHOT);
	SYS(write_file("d/i", "1"));
	drain("multishot_first");
	SYS(mkdir("d/sub", 0755));
	drain("multishot_mkdir");
	SYS(symlink("f", "d/link"));
	drain("multishot_symlink");
	SYS(unlink("d/link"));
	drain("create_ignores_unlink");
	close(d);
	SYS(write_file("d/j", "1"));
	drain("closed_no_signal");

	d = watch("d", DN_MODIFY | DN_MULTISHOT);
	int f = SYS(open("d/f", O_RDWR));
	SYS(write(f, "x", 1));
	drain("modify_write");
	SYS(ftruncate(f, 2));
	drain("modify_ftruncate");
	char b[8];
	SYS(pread(f, b, sizeof b, 0));
	drain("modify_ignores_read");
	close(f);
	close(d);

	d = watch("d", DN_ACCESS | DN_MULTISHOT);
	f = SYS(open("d/f", O_RDONLY));
	SYS(read(f, b, sizeof b));
	drain("access_read");
	EQ("read_at_end", read(f, b, sizeof b), 0);
	drain("access_read_nothing");
	close(f);
	char dents[4096];
	SYS(syscall(SYS_getdents64, d, dents, sizeof dents));
	drain("access_getdents_self");
	close(d);

	d = watch("d", DN_ATTRIB | DN_MULTISHOT);
	SYS(chmod("d/f", 0600));
	drain("attrib_chmod_entry");
	SYS(chmod("d", 0700));
	drain("attrib_chmod_dir_itself");
	SYS(write_file("d/k", "1"));
	drain("attrib_ignores_create");
	close(d);

	d = watch("d", DN_DELETE | DN_MULTISHOT);
	SYS(unlink("d/k"));
	drain("delete_unlink");
	SYS(rmdir("d/sub"));
	drain("delete_rmdir");
	SYS(rename("d/j", "e/j"));
	drain("delete_rename_out");
	SYS(rename("e/j", "d/j"));
	drain("delete_ignores_rename_in");
	close(d);

	d = watch("d", DN_RENAME | DN_MULTISHOT);
	SYS(rename("d/j", "d/j2"));
	drain("rename_within");
	SYS(rename("d/j2", "e/j2"));
	drain("rename_out");
	SYS(rename("e/j2", "d/j3"));
	drain("rename_in");
	close(d);

	d = watch("d", DN_CREATE | DN_MULTISHOT);
	SYS(rename("d/j3", "e/j3"));
	drain("create_ignores_rename_out");
	SYS(rename("e/j3", "d/j4"));
	drain("create_rename_in");
	/* Requests add up: DN_DELETE joins DN_CREATE. */
	SYS(fcntl(d, F_NOTIFY, DN_DELETE));
	SYS(unlink("d/j4"));
	drain("cumulative_delete");
	SYS(write_file("d/l", "1"));
	drain("cumulative_create_still");
	/* No event bit: removed. */
	EQ("notify_remove", fcntl(d, F_NOTIFY, DN_MULTISHOT), 0);
	SYS(write_file("d/m", "1"));
	drain("removed_no_signal");
	close(d);

	/* Changes in a subdirectory are not the directory's. */
	SYS(mkdir("d/deep", 0755));
	d = watch("d", DN_CREATE | DN_MULTISHOT);
	SYS(write_file("d/deep/x", "1"));
	drain("grandchild_not_reported");
	close(d);

	/* A dup closed ends the registration too (any descriptor of the file). */
	d = watch("d", DN_CREATE | DN_MULTISHOT);
	int d2 = SYS(dup(d));
	close(d2);
	SYS(write_file("d/n", "1"));
	drain("dup_closed_ends_it");
	close(d);
	pass();
}
