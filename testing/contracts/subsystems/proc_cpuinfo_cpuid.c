/* /proc/cpuinfo tells the truth about the CPU: vendor, family, model,
 * stepping and model name are what CPUID (run here, in user space) says,
 * and each feature flag below is listed exactly when CPUID has its bit
 * (AVX-family flags also need the OS to have enabled the AVX state in
 * XCR0, read with XGETBV). */
#include "contract.h"
#include <cpuid.h>

static char info[16384];

static const char *field(const char *name)
{
	static char val[4096];
	char *p = strstr(info, name);
	if (!p)
		return "";
	p = strchr(p, ':');
	if (!p)
		return "";
	p += 2;
	size_t n = strcspn(p, "\n");
	memcpy(val, p, n);
	val[n] = 0;
	return val;
}

static int listed(const char *flags, const char *f)
{
	size_t n = strlen(f);
	for (const char *p = flags; (p = strstr(p, f)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

int main(void)
{
	int fd = SYS(open("/proc/cpuinfo", O_RDONLY));
	ssize_t n, tot = 0;
	while ((n = read(fd, info + tot, sizeof info - 1 - tot)) > 0)
		tot += n;
	info[tot] = 0;

	unsigned a, b, c, d;
	__cpuid(0, a, b, c, d);
	char vendor[13];
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	EQ("vendor_matches", strcmp(field("vendor_id"), vendor) == 0, 1);
	EQ("cpuid_level_matches", atoi(field("cpuid level")), a);
	unsigned maxb = a;
	__cpuid(1, a, b, c, d);
	unsigned fam = a >> 8 & 0xf, model = a >> 4 & 0xf;
	if (fam == 0xf)
		fam += a >> 20 & 0xff;
	if (fam >= 6)
		model |= (a >> 16 & 0xf) << 4;
	EQ("family_matches", atoi(field("cpu family")), fam);
	EQ("model_matches", atoi(field("model\t")), model);
	EQ("stepping_matches", atoi(field("stepping")), a & 0xf);
	unsigned ecx1 = c, edx1 = d;
	unsigned brand[12];
	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x80000004) {
		for (int i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, brand[4 * i], brand[4 * i + 1], brand[4 * i + 2], brand[4 * i + 3]);
		char name[49];
		memcpy(name, brand, 48);
		name[48] = 0;
		char *s = name;
		while (*s == ' ')
			s++;
		EQ("model_name_matches", strcmp(field("model name"), s) == 0, 1);
	}
	unsigned ebx7 = 0, ecx7 = 0, edx7 = 0;
	if (maxb >= 7)
		__cpuid_count(7, 0, a, ebx7, ecx7, edx7);
	__cpuid(0x80000001, a, b, c, d);
	unsigned ecx81 = c, edx81 = d;
	unsigned lo = 0, hi = 0;
	if (ecx1 & (1u << 27)) /* OSXSAVE */
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	int ymm = (lo & 6) == 6;

	const char *flags = field("flags");
	struct {
		const char *name;
		unsigned reg;
		int bit;
		int avx;
	} checks[] = {
		{"fpu", edx1, 0, 0}, {"tsc", edx1, 4, 0}, {"cx8", edx1, 8, 0}, {"cmov", edx1, 15, 0},
		{"mmx", edx1, 23, 0}, {"fxsr", edx1, 24, 0}, {"sse", edx1, 25, 0}, {"sse2", edx1, 26, 0},
		{"syscall", edx81, 11, 0}, {"nx", edx81, 20, 0}, {"rdtscp", edx81, 27, 0}, {"lm", edx81, 29, 0},
		{"pni", ecx1, 0, 0}, {"pclmulqdq", ecx1, 1, 0}, {"ssse3", ecx1, 9, 0}, {"cx16", ecx1, 13, 0},
		{"sse4_1", ecx1, 19, 0}, {"sse4_2", ecx1, 20, 0}, {"movbe", ecx1, 22, 0}, {"popcnt", ecx1, 23, 0},
		{"aes", ecx1, 25, 0}, {"xsave", ecx1, 26, 0}, {"avx", ecx1, 28, 1}, {"f16c", ecx1, 29, 1},
		{"fma", ecx1, 12, 1}, {"rdrand", ecx1, 30, 0}, {"hypervisor", ecx1, 31, 0},
		{"lahf_lm", ecx81, 0, 0}, {"abm", ecx81, 5, 0},
		{"bmi1", ebx7, 3, 0}, {"avx2", ebx7, 5, 1}, {"bmi2", ebx7, 8, 0}, {"erms", ebx7, 9, 0},
		{"adx", ebx7, 19, 0}, {"clflushopt", ebx7, 23, 0}, {"sha_ni", ebx7, 29, 0},
		{"gfni", ecx7, 8, 0}, {"fsrm", edx7, 4, 0},
	};
	int wrong = 0;
	for (unsigned i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		int want = (checks[i].reg >> checks[i].bit & 1) && (!checks[i].avx || ymm);
		if (listed(flags, checks[i].name) != want) {
			wrong++;
			OUT("flag_wrong", "%s listed=%d cpuid=%d", checks[i].name, !want, want);
		}
	}
	EQ("flags_wrong", wrong, 0);
	EQ("has_processor_0", strncmp(info, "processor\t: 0\n", 14) == 0, 1);
	pass();
}
