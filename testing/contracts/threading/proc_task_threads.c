/* /proc/self/task lists one directory per thread; Threads: in status agrees. */
#include "contract.h"
#include <dirent.h>
#include <pthread.h>

static volatile int stop;
static void *worker(void *a)
{
	(void)a;
	while (!stop)
		usleep(1000);
	return NULL;
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		fail("opendir: %s", errname(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	EQ("tasks_before", count_tasks(), 1);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	EQ("tasks_during", count_tasks(), 4);
	char buf[4096];
	SYS(read_file("/proc/self/status", buf, sizeof buf));
	char *th = strstr(buf, "Threads:");
	CHECK(th != NULL);
	EQ("status_threads", atoi(th + 8), 4);
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	/* pthread_join returns when the kernel clears the thread's tid word,
	 * which Linux does before the thread's /proc entry goes away: wait
	 * (bounded) for the entries to disappear. */
	int n = count_tasks();
	for (int i = 0; i < 2000 && n != 1; i++) {
		usleep(1000);
		n = count_tasks();
	}
	EQ("tasks_after", n, 1);
	pass();
}
