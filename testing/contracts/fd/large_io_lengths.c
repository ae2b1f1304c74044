/* Lengths far beyond the data: calls that Aramid once sized a kernel
 * buffer by (the fuzzer's write(fd, buf, 1 GiB) ran the kernel out of
 * memory) must do what Linux does. A 3 MiB write, pwrite, getrandom and
 * stream send cross the kernel's 1 MiB pieces intact; an oversized
 * datagram is EMSGSIZE; mincore of a huge or kernel range is ENOMEM. */
#include "contract.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>

#define BIG (3 << 20)

static unsigned char *src;
static int sv[2];

static void *reader(void *arg)
{
	(void)arg;
	static unsigned char got[BIG + 1];
	size_t n = 0;
	while (n < BIG) {
		ssize_t r = read(sv[1], got + n, BIG + 1 - n);
		if (r <= 0)
			break;
		n += r;
	}
	return (void *)(long)(n == BIG && memcmp(got, src, BIG) == 0);
}

int main(void)
{
	src = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(src != MAP_FAILED);
	for (size_t i = 0; i < BIG; i++)
		src[i] = (unsigned char)(i * 7 + (i >> 20));
	int fd = SYS(open("f", O_RDWR | O_CREAT | O_TRUNC, 0600));
	EQ("write", write(fd, src, BIG), BIG);
	EQ("pwrite", pwrite(fd, src, BIG, BIG), BIG);
	unsigned char *back = mmap(NULL, 2 * BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(back != MAP_FAILED);
	EQ("pread", pread(fd, back, 2 * BIG, 0), 2 * BIG);
	EQ("first_copy_intact", memcmp(back, src, BIG), 0);
	EQ("second_copy_intact", memcmp(back + BIG, src, BIG), 0);
	close(fd);

	memset(back, 0, BIG);
	EQ("getrandom", getrandom(back, BIG, 0), BIG);
	int nonzero_tail = 0;
	for (size_t i = BIG - 4096; i < BIG; i++)
		nonzero_tail |= back[i];
	EQ("getrandom_filled_tail", nonzero_tail != 0, 1);

	int dg[2];
	SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg));
	ERR("dgram_1gib", send(dg[0], src, 1 << 30, 0), EMSGSIZE);
	ERR("dgram_3mib", send(dg[0], src, BIG, 0), EMSGSIZE);
	EQ("dgram_small", send(dg[0], src, 100, 0), 100);
	EQ("dgram_recv_huge_len", recv(dg[1], back, 1 << 30, 0), 100);

	SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pthread_t th;
	CHECK(pthread_create(&th, NULL, reader, NULL) == 0);
	EQ("stream_send", send(sv[0], src, BIG, 0), BIG);
	void *ok;
	pthread_join(th, &ok);
	EQ("stream_received_intact", (long)ok, 1);

	unsigned char vec[4];
	ERR("mincore_huge", syscall(SYS_mincore, src, 1ULL << 62, vec), ENOMEM);
	ERR("mincore_kernel", syscall(SYS_mincore, 0xffff800000000000ULL, 4096, vec), ENOMEM);
	EQ("mincore_ok", syscall(SYS_mincore, src, 4096, vec), 0);
	pass();
}
