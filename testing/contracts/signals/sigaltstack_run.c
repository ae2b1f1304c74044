/* SA_ONSTACK handlers run on the alternate stack; SS_ONSTACK is reported
 * inside; a too-small stack is ENOMEM. */
#include "contract.h"

static char alt[65536];
static volatile int on_alt, flags_inside;
static void h(int s)
{
	(void)s;
	char local;
	on_alt = &local >= alt && &local < alt + sizeof alt;
	stack_t cur;
	sigaltstack(NULL, &cur);
	flags_inside = cur.ss_flags;
}

int main(void)
{
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
	SYS(sigaltstack(&ss, NULL));
	struct sigaction sa = {0};
	sa.sa_handler = h;
	sa.sa_flags = SA_ONSTACK;
	SYS(sigaction(SIGUSR1, &sa, NULL));
	raise(SIGUSR1);
	EQ("on_alt_stack", on_alt, 1);
	EQ("flags_inside", flags_inside, SS_ONSTACK);
	stack_t cur;
	SYS(sigaltstack(NULL, &cur));
	EQ("flags_outside", cur.ss_flags, 0);
	EQ("size", cur.ss_size, sizeof alt);
	stack_t tiny = {.ss_sp = alt, .ss_size = 512};
	ERR("too_small", sigaltstack(&tiny, NULL), ENOMEM);
	pass();
}
