/* O_EXCL on a block device claims it: a second O_EXCL open is EBUSY, an
 * ordinary open still works, and the claim goes with the file. */
#include "contract.h"

int main(void)
{
	int a = SYS(open("/dev/vda1", O_RDONLY | O_EXCL));
	ERR("second_excl", open("/dev/vda1", O_RDONLY | O_EXCL), EBUSY);
	int b = SYS(open("/dev/vda1", O_RDONLY));
	OUT("plain_open", "ok");
	int other = SYS(open("/dev/vda2", O_RDONLY | O_EXCL));
	OUT("other_partition_excl", "ok");
	close(other);
	close(a);
	int c = SYS(open("/dev/vda1", O_RDONLY | O_EXCL));
	OUT("excl_after_close", "ok");
	close(c);
	close(b);
	pass();
}
