/* The test disk in sysfs and /proc/partitions: dev, size (512-byte
 * sectors), ro, removable, partition, start, uevent, the /sys/dev/block
 * and /sys/block links. */
#include "contract.h"
#include <limits.h>

static void attr(const char *dev, const char *name)
{
	char path[128], buf[512];
	snprintf(path, sizeof path, "/sys/class/block/%s/%s", dev, name);
	if (read_file(path, buf, sizeof buf) < 0)
		fail("%s: %s", path, errname(errno));
	buf[strcspn(buf, "\n")] = 0;
	printf("%s/%s: %s\n", dev, name, buf);
}

static void uevent(const char *dev)
{
	char path[128], buf[512];
	snprintf(path, sizeof path, "/sys/class/block/%s/uevent", dev);
	if (read_file(path, buf, sizeof buf) < 0)
		fail("%s: %s", path, errname(errno));
	/* DISKSEQ counts every disk the kernel has made: print only that
	 * it is there. */
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (strncmp(l, "DISKSEQ=", 8) == 0)
			printf("%s/uevent: DISKSEQ present\n", dev);
		else
			printf("%s/uevent: %s\n", dev, l);
}

static void link_tail(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n < 0)
		fail("readlink %s: %s", path, errname(errno));
	buf[n] = 0;
	/* The directory above depends on the bus; the tail does not. */
	char *t = strstr(buf, "/vda");
	OUT(path, "...%s", t ? t : buf);
}

int main(void)
{
	static const char *disk[] = {"dev", "size", "ro", "removable", "range", "alignment_offset", "discard_alignment", "hidden"};
	for (size_t i = 0; i < sizeof disk / sizeof disk[0]; i++)
		attr("vda", disk[i]);
	uevent("vda");
	static const char *part[] = {"dev", "size", "ro", "partition", "start", "alignment_offset", "discard_alignment"};
	const char *parts[] = {"vda1", "vda2", "vda4"};
	for (int p = 0; p < 3; p++) {
		for (size_t i = 0; i < sizeof part / sizeof part[0]; i++)
			attr(parts[p], part[i]);
		uevent(parts[p]);
	}
	char buf[64];
	ERR("vda3", read_file("/sys/class/block/vda3/dev", buf, sizeof buf), ENOENT);
	link_tail("/sys/dev/block/254:0");
	link_tail("/sys/dev/block/254:2");
	link_tail("/sys/block/vda");
	link_tail("/sys/class/block/vda4");

	static char parts_text[4096];
	if (read_file("/proc/partitions", parts_text, sizeof parts_text) < 0)
		fail("/proc/partitions: %s", errname(errno));
	for (char *l = strtok(parts_text, "\n"); l; l = strtok(NULL, "\n"))
		OUT("partitions", "%s", l);
	pass();
}
