/* test_parse.c: sizes, durations, group lists, record validation, names. */
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "capture/proctab.h"
#include "base/util.h"
#include "tap.h"

int main(void)
{
	uint64_t v;
	unsigned mask;
	const char *bad;
	size_t badlen;

	ok(!fr_parse_size("64M", &v) && v == 64ULL << 20, "64M");
	ok(!fr_parse_size("512k", &v) && v == 512ULL << 10, "512k");
	ok(!fr_parse_size("1G", &v) && v == 1ULL << 30, "1G");
	ok(!fr_parse_size("16MiB", &v) && v == 16ULL << 20, "16MiB");
	ok(!fr_parse_size("4096", &v) && v == 4096, "plain bytes");
	ok(fr_parse_size("", &v) < 0, "empty size refused");
	ok(fr_parse_size("-1M", &v) < 0, "negative size refused");
	ok(fr_parse_size("12X", &v) < 0, "unknown suffix refused");
	ok(fr_parse_size("99999999999999999999G", &v) < 0, "overflow refused");
	ok(fr_parse_size("M", &v) < 0, "a suffix alone is refused");

	ok(!fr_parse_duration("10s", &v) && v == 10000000000ULL, "10s");
	ok(!fr_parse_duration("250ms", &v) && v == 250000000ULL, "250ms");
	ok(!fr_parse_duration("1.5m", &v) && v == 90000000000ULL, "1.5m");
	ok(!fr_parse_duration("2h", &v) && v == 7200000000000ULL, "2h");
	ok(!fr_parse_duration("3", &v) && v == 3000000000ULL, "bare number is seconds");
	ok(!fr_parse_duration("20us", &v) && v == 20000, "20us");
	ok(fr_parse_duration("10x", &v) < 0, "bad unit refused");
	ok(fr_parse_duration("-1s", &v) < 0, "negative refused");
	ok(fr_parse_duration("nan", &v) < 0, "nan refused");
	ok(fr_parse_duration("1e300s", &v) < 0, "huge refused");

	ok(!fr_parse_u64("1234", 1, 10000, &v) && v == 1234, "u64");
	ok(fr_parse_u64("12a", 1, 10000, &v) < 0, "trailing junk refused");
	ok(fr_parse_u64("0", 1, 10000, &v) < 0, "below min refused");
	ok(fr_parse_u64("+5", 1, 10000, &v) < 0, "sign refused");

	ok(!fr_groups_parse("sched,syscalls", &mask, &bad, &badlen) &&
	   mask == (FR_GROUP_SCHED | FR_GROUP_SYSCALLS), "group list");
	ok(!fr_groups_parse("all", &mask, &bad, &badlen) && mask == FR_GROUPS_ALL, "all");
	ok(fr_groups_parse("sched,bogus", &mask, &bad, &badlen) < 0 && badlen == 5 &&
	   !strncmp(bad, "bogus", 5), "the bad item is named");
	ok(fr_groups_parse("", &mask, &bad, &badlen) < 0, "empty list refused");
	ok(fr_groups_parse("sched,,block", &mask, &bad, &badlen) < 0, "empty item refused");

	{
		struct fr_sys_exit e = { .h = { 1, 2, 3, FR_EV_SYS_EXIT, sizeof(e), 0, 0 } };
		struct fr_proc_exec x = { .h = { 1, 2, 3, FR_EV_PROC_EXEC, 0, 0, 0 } };

		ok(fr_event_valid(&e, sizeof(e)), "valid sys_exit");
		e.h.size = 16;
		ok(!fr_event_valid(&e, 16), "short header-size refused");
		e.h.size = sizeof(e);
		e.h.type = 99;
		ok(!fr_event_valid(&e, sizeof(e)), "unknown type refused");
		e.h.type = FR_EV_SYS_ENTER;
		ok(!fr_event_valid(&e, sizeof(e)), "wrong size for the type refused");
		x.filename_len = 10;
		x.args_len = 5;
		x.h.size = (FR_EXEC_FIXED_SIZE + 15 + 7) & ~7;
		ok(fr_event_valid(&x, x.h.size), "exec with consistent lengths");
		x.args_len = 300;
		ok(!fr_event_valid(&x, x.h.size), "exec with lying lengths refused");
	}
	ok(!strcmp(fr_syscall_name("x86_64", 110), "getppid"), "syscall 110 is getppid");
	ok(fr_syscall_name("x86_64", 100000) == NULL, "unknown syscall number");
	ok(fr_syscall_name("aarch64", 110) == NULL, "other arches are not guessed");
	ok(!strcmp(fr_errno_name(2), "ENOENT"), "errno names");
	ok(!strcmp(fr_signal_name(11), "SIGSEGV"), "signal names");
	{
		char *s = fr_args_to_line("ls\0-l\0a b\0it's", 15);

		ok(s && !strcmp(s, "ls -l 'a b' 'it'\\''s'"), "arguments quoted for a shell: %s", s);
		free(s);
	}
	return tap_done();
}
