/*
 * sysfs_pci: /sys/bus/pci/devices lists every PCI function of the machine
 * as a link into /sys/devices/pci0000:00, with the identity, interrupt
 * line, resources (Linux's flags), uevent and configuration space the
 * kernel found, the same on Aramid (its own PCI scan) and on Linux.
 * DRIVER= lines of uevent are left out: which drivers bind differs
 * between the kernels' configurations, not the bus. The output stays under
 * the runner's 8 KiB relay buffer, which splits longer unread output.
 */
#include "../contract.h"
#include <dirent.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show(const char *dev, const char *attr)
{
	char path[256], buf[4096];
	snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/%s", dev, attr);
	long n = read_file(path, buf, sizeof buf - 1);
	if (n < 0)
		fail("%s: %s", path, errname(errno));
	buf[n] = 0;
	int line = 0;
	for (char *s = buf, *e; *s; s = e + 1) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		char c = *e;
		*e = 0;
		/* All-zero resource lines (absent BARs) are skipped but counted. */
		if (strncmp(s, "DRIVER=", 7) != 0 &&
		    strcmp(s, "0x0000000000000000 0x0000000000000000 0x0000000000000000") != 0)
			printf("%s %s[%d]: %s\n", dev, attr, line, s);
		line++;
		if (!c)
			break;
	}
}

int main(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	if (!d)
		fail("opendir: %s", errname(errno));
	char *names[256];
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < 256;) {
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], cmp);
	EQ("functions_found", n > 0, 1);
	int subsys = 0;
	for (int i = 0; i < n; i++) {
		char path[256], target[256];
		snprintf(path, sizeof path, "/sys/bus/pci/devices/%s", names[i]);
		ssize_t l = readlink(path, target, sizeof target - 1);
		if (l < 0)
			fail("readlink %s: %s", path, errname(errno));
		target[l] = 0;
		printf("%s link: %s\n", names[i], target);
		const char *attrs[] = {"vendor", "device", "class", "subsystem_vendor", "subsystem_device",
				       "revision", "irq", "resource", "uevent"};
		for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
			show(names[i], attrs[k]);
		snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/config", names[i]);
		unsigned char cfg[4096];
		int fd = SYS(open(path, O_RDONLY));
		long total = 0, r;
		while ((r = read(fd, cfg + total, sizeof cfg - total)) > 0)
			total += r;
		close(fd);
		printf("%s config_bytes: %ld\n", names[i], total);
		printf("%s config: ", names[i]);
		for (int k = 0; k < 64 && k < total; k++)
			printf("%02x", cfg[k]);
		printf("\n");
		struct stat st;
		snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/subsystem", names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			subsys++;
	}
	EQ("subsystem_dirs", subsys, n);
	pass();
}
