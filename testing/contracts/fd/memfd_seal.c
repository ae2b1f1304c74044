/* File seals: F_SEAL_WRITE/GROW/SHRINK refuse the matching operations;
 * F_SEAL_SEAL freezes the seal set. */
#include "contract.h"
#include <sys/mman.h>

int main(void)
{
	int fd = SYS(memfd_create("seal", MFD_ALLOW_SEALING));
	writeall(fd, "abcd", 4);
	EQ("seals0", fcntl(fd, F_GET_SEALS), 0);
	SYS(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK));
	EQ("seals1", fcntl(fd, F_GET_SEALS), F_SEAL_GROW | F_SEAL_SHRINK);
	ERR("grow", ftruncate(fd, 8), EPERM);
	ERR("shrink", ftruncate(fd, 2), EPERM);
	EQ("overwrite", pwrite(fd, "XY", 2, 0), 2);
	ERR("append", pwrite(fd, "Z", 1, 4), EPERM);
	SYS(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL));
	ERR("write_sealed", pwrite(fd, "Q", 1, 0), EPERM);
	ERR("add_after_seal", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	int nf = SYS(memfd_create("noseal", 0));
	EQ("noseal_seals", fcntl(nf, F_GET_SEALS), F_SEAL_SEAL);
	ERR("noseal_add", fcntl(nf, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	pass();
}
