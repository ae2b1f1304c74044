/* F_SETOWN/F_GETOWN and F_SETSIG/F_GETSIG: the owner must exist (ESRCH),
 * INT_MIN is EINVAL, a process group is named by a negative id; the
 * signal must be 0.._NSIG; both belong to the open file description (a dup
 * reads them back). Raw syscalls: musl's F_GETOWN goes through
 * F_GETOWN_EX. */
#include "contract.h"
#include <limits.h>
#include <sys/syscall.h>

static long fc(int fd, int cmd, long arg) { return syscall(SYS_fcntl, fd, cmd, arg); }

int main(void)
{
	int p[2];
	SYS(pipe(p));
	int d = SYS(dup(p[0]));
	EQ("getown_default", fc(p[0], F_GETOWN, 0), 0);
	EQ("setown_self", fc(p[0], F_SETOWN, getpid()), 0);
	EQ("getown_self", fc(d, F_GETOWN, 0) == getpid(), 1);
	ERR("setown_missing", fc(p[0], F_SETOWN, 4194303), ESRCH);
	ERR("setown_missing_group", fc(p[0], F_SETOWN, -4194303), ESRCH);
	ERR("setown_int_min", fc(p[0], F_SETOWN, INT_MIN), EINVAL);
	EQ("still_self", fc(p[0], F_GETOWN, 0) == getpid(), 1);
	EQ("setown_group", fc(p[0], F_SETOWN, -getpgrp()), 0);
	EQ("setown_zero", fc(p[0], F_SETOWN, 0), 0);
	EQ("getown_zero", fc(p[0], F_GETOWN, 0), 0);
	EQ("getsig_default", fc(p[0], F_GETSIG, 0), 0);
	EQ("setsig_usr1", fc(p[0], F_SETSIG, SIGUSR1), 0);
	EQ("getsig_dup", fc(d, F_GETSIG, 0), SIGUSR1);
	EQ("setsig_64", fc(p[0], F_SETSIG, 64), 0);
	ERR("setsig_65", fc(p[0], F_SETSIG, 65), EINVAL);
	ERR("setsig_neg", fc(p[0], F_SETSIG, -1), EINVAL);
	EQ("getsig_kept", fc(p[0], F_GETSIG, 0), 64);
	EQ("other_end_untouched", fc(p[1], F_GETSIG, 0), 0);
	pass();
}
