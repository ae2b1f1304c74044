/* A robust mutex held by a process that dies is handed to the next locker
 * with EOWNERDEAD (the kernel walks the robust list at exit). */
#include "contract.h"
#include <pthread.h>
#include <sys/mman.h>

int main(void)
{
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	CHECK(pthread_mutex_init(m, &at) == 0);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		pthread_mutex_lock(m);
		_exit(0);
	}
	reap(pid);
	int r = pthread_mutex_lock(m);
	STREQ("lock_after_death", errname(r), "EOWNERDEAD");
	EQ("consistent", pthread_mutex_consistent(m), 0);
	EQ("unlock", pthread_mutex_unlock(m), 0);
	EQ("relock", pthread_mutex_lock(m), 0);
	long head = 0;
	size_t len = 0;
	EQ("get_robust_list", syscall(SYS_get_robust_list, 0, &head, &len), 0);
	EQ("robust_len", len, 24);
	ERR("set_bad_len", syscall(SYS_set_robust_list, head, 1), EINVAL);
	pass();
}
