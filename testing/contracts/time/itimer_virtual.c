/* ITIMER_VIRTUAL counts user CPU time: a busy loop gets SIGVTALRM, a
 * sleeping process does not. */
#include "contract.h"
#include <sys/time.h>

static volatile int fired;
static void h(int s) { (void)s; fired = 1; }

int main(void)
{
	signal(SIGVTALRM, h);
	struct itimerval it = {{0, 0}, {0, 50000}};
	SYS(setitimer(ITIMER_VIRTUAL, &it, NULL));
	usleep(100000);
	EQ("not_while_sleeping", fired, 0);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; !fired && i < 4000000000UL; i++)
		x += i;
	EQ("fired_while_busy", fired, 1);
	pass();
}
