/* Every block device's sysfs directory has a "subsystem" link to
 * /sys/class/block: udev and systemd's sd-device (which systemd uses for
 * the device a mount comes from) refuse a block device without it. */
#include "contract.h"
#include <limits.h>
#include <stdlib.h>

static void subsystem(const char *dir)
{
	char path[256], real[PATH_MAX];
	snprintf(path, sizeof path, "%s/subsystem", dir);
	if (!realpath(path, real))
		fail("realpath %s: %s", path, errname(errno));
	OUT(path, "%s", real);
}

int main(void)
{
	subsystem("/sys/class/block/vda");
	subsystem("/sys/class/block/vda2");
	subsystem("/sys/dev/block/254:4");
	subsystem("/sys/block/vda");
	pass();
}
