/*
 * exec_large.c: the large program of the fork_exec_large_wait row. Built
 * with glibc and -static, it links stdio, locale and time formatting, which
 * makes it over 800 KB, like the programs a distribution runs. With the
 * argument "exit" it returns at once: the row measures exec, glibc's own
 * start-up and exit, not work.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return 0;
	char buf[128];
	time_t t = time(NULL);
	setlocale(LC_ALL, "");
	strftime(buf, sizeof buf, "%c", localtime(&t));
	puts(buf);
	return 0;
}
