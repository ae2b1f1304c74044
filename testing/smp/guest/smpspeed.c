/* PID 1 of TestSpeedup (testing/smp): two threads each run the same fixed
 * CPU-bound loop (no system calls inside it) and the wall time from their
 * creation to the second join is printed as "smpspeed: wall-ms N". On one
 * CPU the loops take turns; on two they run at once, and the wall time
 * about halves. The Go test compares the boots with one and two CPUs.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#define LOOPS 150000000UL

static void say(const char *s) { write(1, s, strlen(s)); }

static void *work(void *arg) {
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < LOOPS; i++)
		x += i;
	return arg;
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
	pthread_t t[2];
	char b[64];
	work(0); /* fault the code and stack in before timing */
	double t0 = now();
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], 0, work, 0)) {
			say("smpspeed: FAIL pthread_create\n");
			reboot(RB_POWER_OFF);
		}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], 0);
	snprintf(b, sizeof b, "smpspeed: wall-ms %ld\n", (long)((now() - t0) * 1000));
	say(b);
	reboot(RB_POWER_OFF);
	return 0;
}
