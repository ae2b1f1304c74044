/* __thread variables are per thread (FS-based TLS), initialised from the
 * TLS image in every new thread. */
#include "contract.h"
#include <pthread.h>

static __thread int counter = 5;
static __thread char name[16] = "init";

static void *worker(void *a)
{
	counter += (int)(long)a;
	snprintf(name, sizeof name, "t%ld", (long)a);
	return (void *)(long)(counter * 100 + (strcmp(name, "t3") == 0));
}

int main(void)
{
	counter = 50;
	pthread_t t;
	pthread_create(&t, NULL, worker, (void *)3L);
	void *r;
	pthread_join(t, &r);
	EQ("thread_result", (long)r, 801);
	EQ("main_counter", counter, 50);
	STREQ("main_name", name, "init");
	unsigned long fs;
	SYS(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs));
	EQ("fs_nonzero", fs != 0, 1);
	pass();
}
