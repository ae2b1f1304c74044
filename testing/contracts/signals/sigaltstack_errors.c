/* sigaltstack edge cases: unknown flags EINVAL, a size below MINSIGSTKSZ
 * ENOMEM, SS_DISABLE ignoring the size, SS_AUTODISARM reported back, EPERM
 * for changing the stack while running on it (and SS_ONSTACK reported),
 * EFAULT for bad pointers. */
#include "contract.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define SA(a, b) syscall(SYS_sigaltstack, a, b)

static char stk[65536];
static volatile int on_flags, change_err, set_same;

static void handler(int s)
{
	(void)s;
	stack_t cur;
	SA(NULL, &cur);
	on_flags = cur.ss_flags;
	stack_t n = {.ss_sp = stk, .ss_size = sizeof stk, .ss_flags = 0};
	change_err = SA(&n, NULL) ? errno : 0;
	stack_t d = {.ss_flags = SS_DISABLE};
	set_same = SA(&d, NULL) ? errno : 0;
}

int main(void)
{
	stack_t ss, old;
	SYS(SA(NULL, &old));
	EQ("initial_flags", old.ss_flags, SS_DISABLE);
	EQ("initial_size", old.ss_size, 0);
	ss.ss_sp = stk;
	ss.ss_size = sizeof stk;
	ss.ss_flags = 0x4;
	ERR("bad_flags", SA(&ss, NULL), EINVAL);
	ss.ss_flags = SS_ONSTACK;
	EQ("ss_onstack_as_input", SA(&ss, NULL), 0);
	SYS(SA(NULL, &old));
	EQ("onstack_input_reads", old.ss_flags, 0);
	ss.ss_flags = 0;
	ss.ss_size = MINSIGSTKSZ - 1;
	ERR("too_small", SA(&ss, NULL), ENOMEM);
	ss.ss_size = 2048;
	EQ("minsigstksz", SA(&ss, NULL), 0);
	ss.ss_flags = SS_DISABLE;
	ss.ss_size = 1;
	EQ("disable_small", SA(&ss, NULL), 0);
	SYS(SA(NULL, &old));
	EQ("disabled_flags", old.ss_flags, SS_DISABLE);
	EQ("disabled_size", old.ss_size, 0);
	EQ("disabled_sp_null", old.ss_sp == NULL, 1);
	ss.ss_sp = stk;
	ss.ss_size = sizeof stk;
	ss.ss_flags = SS_AUTODISARM;
	EQ("autodisarm", SA(&ss, NULL), 0);
	SYS(SA(NULL, &old));
	EQ("autodisarm_flags", (unsigned)old.ss_flags, SS_AUTODISARM);
	ss.ss_flags = SS_AUTODISARM | SS_DISABLE;
	EQ("autodisarm_disable", SA(&ss, NULL), 0);
	SYS(SA(NULL, &old));
	EQ("autodisarm_disable_reads", (unsigned)old.ss_flags, SS_AUTODISARM | SS_DISABLE);
	ERR("fault_new", SA((void *)8, NULL), EFAULT);
	ERR("fault_old", SA(NULL, (void *)8), EFAULT);

	ss.ss_flags = 0;
	SYS(SA(&ss, NULL));
	struct sigaction sa = {0};
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	EQ("in_handler_flags", on_flags, SS_ONSTACK);
	STREQ("change_on_stack", errname(change_err), "EPERM");
	STREQ("disable_on_stack", errname(set_same), "EPERM");
	SYS(SA(NULL, &old));
	EQ("after_handler_flags", old.ss_flags, 0);
	/* with SS_AUTODISARM the handler sees the stack disabled */
	ss.ss_flags = SS_AUTODISARM;
	SYS(SA(&ss, NULL));
	raise(SIGUSR1);
	EQ("autodisarm_in_handler", on_flags, SS_DISABLE);
	STREQ("autodisarm_change", errname(change_err), "OK");
	pass();
}
