/* x87 state belongs to the thread, not the CPU: four threads each hold a
 * distinct 80-bit value in ST(0) and their own x87 control word while they
 * make system calls that move them from CPU to CPU (sched_setaffinity to
 * each CPU in turn) and yield to each other; afterwards every thread finds
 * its own value and control word, bit for bit. */
#include "contract.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#define THREADS 4
#define ROUNDS 40

static uint64_t masks[4];
static int nmasks;
static _Atomic int ok_count;

static void *worker(void *arg)
{
	long i = (long)arg;
	long double seed = 1.0L / (3 + i) + i, out = 0;
	uint16_t cw = 0x037f | ((i & 3) << 10), cw_out = 0; /* rounding mode per thread */
	uint64_t rounds = ROUNDS;
	__asm__ volatile(
		"fldcw %[cw]\n\t"
		"fldt %[seed]\n\t"
		"1:\n\t"
		"mov %[rounds], %%rax\n\t"
		"xor %%rdx, %%rdx\n\t"
		"divq %[nmasks]\n\t" /* rdx = rounds % nmasks */
		"lea (%[masks],%%rdx,8), %%rdx\n\t"
		"mov $203, %%eax\n\t" /* sched_setaffinity(0, 8, &masks[k]) */
		"xor %%edi, %%edi\n\t"
		"mov $8, %%esi\n\t"
		"syscall\n\t"
		"mov $24, %%eax\n\t" /* sched_yield */
		"syscall\n\t"
		"decq %[rounds]\n\t"
		"jnz 1b\n\t"
		"fstpt %[out]\n\t"
		"fnstcw %[cw_out]\n\t"
		: [out] "=m"(out), [cw_out] "=m"(cw_out), [rounds] "+r"(rounds)
		: [cw] "m"(cw), [seed] "m"(seed), [masks] "r"(masks), [nmasks] "r"((uint64_t)nmasks)
		: "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory", "st");
	if (memcmp(&out, &seed, 10) == 0 && cw_out == cw)
		atomic_fetch_add(&ok_count, 1);
	return NULL;
}

int main(void)
{
	cpu_set_t all;
	SYS(sched_getaffinity(0, sizeof all, &all));
	for (int c = 0; c < 64 && nmasks < 4; c++)
		if (CPU_ISSET(c, &all))
			masks[nmasks++] = 1ULL << c;
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	EQ("threads_with_their_x87_state", atomic_load(&ok_count), THREADS);
	pass();
}
