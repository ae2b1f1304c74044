/* /proc/net's interface files with lo up: the dev table's headers and lo's
 * row, if_inet6's ::1 line, route's header (lo adds nothing to the main
 * table), and the headers of tcp6 and udp6. */
#include "net.h"

static char text[65536];

static char *first_line(const char *path)
{
	long n = read_file(path, text, sizeof text - 1);
	CHECK(n >= 0);
	text[n] = 0;
	char *e = strchr(text, '\n');
	if (e)
		*e = 0;
	return text;
}

int main(void)
{
	lo_set(1);
	long n = read_file("/proc/net/dev", text, sizeof text - 1);
	CHECK(n > 0);
	text[n] = 0;
	char *save, *line = strtok_r(text, "\n", &save);
	OUT("dev_header1", "[%s]", line);
	OUT("dev_header2", "[%s]", strtok_r(NULL, "\n", &save));
	int lo = 0;
	while ((line = strtok_r(NULL, "\n", &save)))
		if (!strncmp(line, "    lo:", 7)) {
			unsigned long long rx, rxp;
			lo = sscanf(line, "    lo: %llu %llu", &rx, &rxp) == 2;
		}
	EQ("dev_lo_row", lo, 1);
	OUT("if_inet6", "[%s]", first_line("/proc/net/if_inet6"));
	OUT("route_header", "[%s]", first_line("/proc/net/route"));
	n = read_file("/proc/net/route", text, sizeof text - 1);
	EQ("route_only_header", n, 128);
	OUT("tcp6_header", "[%s]", first_line("/proc/net/tcp6"));
	OUT("udp6_header", "[%s]", first_line("/proc/net/udp6"));
	pass();
}
