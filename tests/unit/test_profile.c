/* test_profile.c: a profile aggregated by function (record/profile_agg.c)
 * from stacks whose every address means something known: offsets merged,
 * self and total per function and process, garbage frames cut, unknown
 * runs folded into one frame; then what readers make of it: dump -F
 * folded adds up to the samples, the trigger text fits 80 columns. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "record/profile_agg.h"
#include "report/decode.h"
#include "report/export.h"
#include "report/render.h"
#include "tap.h"

#define GONE 999		/* a process that exited */
#define GARBAGE 0xbebebebebebebebeULL

/* the addresses of the tests, and what they are */
static const struct addr {
	uint64_t addr;
	bool kernel;
	enum fr_frame_status st;
	const char *func, *module;
} addrs[] = {
	{ 0xffffffff81000077, true, FR_FRAME_OK, "read_zero", "" },
	{ 0xffffffff81000072, true, FR_FRAME_OK, "read_zero", "" },
	{ 0xffffffff81001000, true, FR_FRAME_OK, "vfs_read", "" },
	{ 0xffffffff81001004, true, FR_FRAME_OK, "vfs_read", "" },
	{ 0xffffffffc0002000, true, FR_FRAME_OK, "ext4_map_blocks", "ext4" },
	{ 0xffffffffc000f000, true, FR_FRAME_UNKNOWN, "", "" },
	{ 0x401000, false, FR_FRAME_OK, "burn_cpu", "frhelper" },
	{ 0x401008, false, FR_FRAME_OK, "burn_cpu", "frhelper" },
	{ 0x401100, false, FR_FRAME_OK, "main", "frhelper" },
	{ 0x7f0000001000, false, FR_FRAME_OK, "read", "libc.so.6" },
	{ 0x555500001000, false, FR_FRAME_UNKNOWN, "", "dd" },
	{ 0x555500002000, false, FR_FRAME_UNKNOWN, "", "dd" },
	{ 0x7f0000009000, false, FR_FRAME_UNKNOWN, "", "[vdso]" },
	{ 0x500000, false, FR_FRAME_OK,
	  "a_function_whose_name_is_much_longer_than_any_column_of_text_can_hold", "frhelper" },
};

static unsigned resolved;

static enum fr_frame_status resolve(void *ctx, bool kernel, uint32_t pid, uint64_t addr,
				    struct fr_frame *f)
{
	(void)ctx;
	resolved++;
	memset(f, 0, sizeof(*f));
	f->kernel = kernel;
	if (!kernel && pid == GONE)
		return f->status = FR_FRAME_LAST;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		if (addrs[i].addr != addr || addrs[i].kernel != kernel)
			continue;
		snprintf(f->func, sizeof(f->func), "%s", addrs[i].func);
		snprintf(f->module, sizeof(f->module), "%s", addrs[i].module);
		f->off = addr & 0xff;
		return f->status = addrs[i].st;
	}
	return f->status = FR_FRAME_BAD;
}

static const cJSON *find_func(const cJSON *j, const char *name, bool kernel)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "functions")) {
		if (!strcmp(cJSON_GetObjectItem(f, "function")->valuestring, name) &&
		    cJSON_IsTrue(cJSON_GetObjectItem(f, "kernel")) == kernel)
			return f;
	}
	return NULL;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* "a;b;c" of the frames of one stack array */
static const char *joined(const cJSON *arr, char *buf, size_t len)
{
	const cJSON *f;
	size_t n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(f, arr)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ";" : "",
				      f->valuestring);
	return buf;
}

/* The stack of pid whose user frames read want, or NULL. */
static const cJSON *find_stack(const cJSON *j, unsigned pid, const char *kernel,
			       const char *user)
{
	const cJSON *s;
	char kb[512], ub[512];

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "stacks")) {
		if (num(s, "pid") == pid &&
		    !strcmp(joined(cJSON_GetObjectItem(s, "kernel"), kb, sizeof(kb)), kernel) &&
		    !strcmp(joined(cJSON_GetObjectItem(s, "user"), ub, sizeof(ub)), user))
			return s;
	}
	return NULL;
}

static void by_function(void)
{
	struct fr_pagg *a = fr_pagg_new(resolve, NULL);
	const uint64_t k1[] = { 0xffffffff81000077, 0xffffffff81001000 };
	const uint64_t k2[] = { 0xffffffff81000072, 0xffffffff81001004 };
	const uint64_t u_read[] = { 0x7f0000001000, 0x555500001000, 0x555500002000, GARBAGE, 0x401100 };
	const uint64_t u_burn[] = { 0x401000, 0x401008, 0x401100, 0, 0x7f0000001000 };
	const uint64_t u_gone[] = { 0x401000, 0x401100 };
	const uint64_t k_bad[] = { GARBAGE, 0xffffffff81001000 };
	const uint64_t k_ext4[] = { 0xffffffffc0002000, 0xffffffffc000f000, 0xffffffffc000f000,
				    0xffffffff81001000 };
	const uint64_t u_vdso[] = { 0x7f0000009000, 0x302e73626f6a5f68 };
	cJSON *j = cJSON_CreateObject();
	const cJSON *f, *s, *p;
	char *txt;

	ok(a && j, "fr_pagg_new");
	if (!a || !j)
		return;
	/* dd: read_zero at two offsets, one stack */
	ok(!fr_pagg_add(a, 10, "dd", 300, k1, 2, u_read, 5), "add");
	fr_pagg_add(a, 10, "dd", 40, k2, 2, u_read, 5);
	/* the same as another thread's name: another stack, the same process */
	fr_pagg_add(a, 10, "dd-2", 5, k2, 2, u_read, 5);
	/* frhelper: burn_cpu in user space, recursing; two processes */
	fr_pagg_add(a, 20, "frhelper", 100, NULL, 0, u_burn, 5);
	fr_pagg_add(a, 21, "frhelper", 30, NULL, 0, u_burn, 3);
	/* gone: one frame, unknown */
	fr_pagg_add(a, GONE, "sh", 7, NULL, 0, u_gone, 2);
	/* a garbage leaf: the sample is somewhere unknown */
	fr_pagg_add(a, 30, "kworker/0:1", 3, k_bad, 2, NULL, 0);
	fr_pagg_add(a, 31, "cp", 4, k_ext4, 4, u_vdso, 2);
	fr_pagg_add(a, 20, "frhelper", 1, NULL, 0, (const uint64_t[]){ 0x500000 }, 1);
	ok(!fr_pagg_json(a, 10, 200, j), "fr_pagg_json");

	is_u(num(j, "samples"), 300 + 40 + 5 + 100 + 30 + 7 + 3 + 4 + 1 + 10, "samples: all, lost too");
	is_u(num(j, "kernel_samples"), 300 + 40 + 5 + 3 + 4, "kernel_samples");
	is_u(num(j, "user_samples"), 100 + 30 + 7 + 1, "user_samples");
	is_u(num(j, "other_samples"), 0, "other_samples: every stack kept");
	is_u(cJSON_GetArraySize(cJSON_GetObjectItem(j, "stacks")), 8, "offsets merged: 8 stacks");

	s = find_stack(j, 10, "read_zero;vfs_read", "read (libc.so.6);[unknown] (dd)");
	ok(s && num(s, "count") == 340 && !strcmp(cJSON_GetObjectItem(s, "comm")->valuestring, "dd"),
	   "read_zero+0x77 and +0x72 one stack of 340; unknown frames of dd one; cut at garbage");
	ok(find_stack(j, GONE, "", "[unknown]") != NULL, "a process gone: one unknown frame");
	ok(find_stack(j, 30, "[unknown]", "") != NULL, "a garbage leaf: [unknown], nothing after");
	ok(find_stack(j, 31, "ext4_map_blocks [ext4];[unknown];vfs_read", "[unknown] ([vdso])") != NULL,
	   "a module's function, an unknown run, a mapping of no file");
	ok(find_stack(j, 20, "", "burn_cpu (frhelper);burn_cpu (frhelper);main (frhelper)") != NULL,
	   "known frames are never merged: recursion stays; a 0 ends the stack");

	f = find_func(j, "read_zero", true);
	ok(f && num(f, "self") == 345 && num(f, "total") == 345 &&
	   !strcmp(cJSON_GetObjectItem(f, "module")->valuestring, "vmlinux"),
	   "read_zero: self 345, total 345, vmlinux");
	ok(f && num(f, "self_percent") == 69.0, "read_zero: 69.0%% of 500 samples (%.1f)",
	   f ? num(f, "self_percent") : -1);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "functions"), 0);
	ok(f && !strcmp(cJSON_GetObjectItem(f, "function")->valuestring, "read_zero"),
	   "the hottest function first");
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(f, "processes"), 0);
	ok(p && num(p, "pid") == 10 && num(p, "self") == 345 &&
	   !strcmp(cJSON_GetObjectItem(p, "comm")->valuestring, "dd"),
	   "read_zero ran in dd, named after its first thread name");
	f = find_func(j, "vfs_read", true);
	ok(f && num(f, "self") == 0 && num(f, "total") == 349, "vfs_read: self 0, total 349 (%.0f)",
	   f ? num(f, "total") : -1);
	f = find_func(j, "burn_cpu", false);
	ok(f && num(f, "self") == 130 && num(f, "total") == 130 &&
	   !strcmp(cJSON_GetObjectItem(f, "module")->valuestring, "frhelper") &&
	   !cJSON_IsTrue(cJSON_GetObjectItem(f, "kernel")),
	   "burn_cpu: self 130, counted once per sample however deep");
	p = cJSON_GetObjectItem(f, "processes");
	ok(cJSON_GetArraySize(p) == 2 && num(cJSON_GetArrayItem(p, 0), "self") == 100 &&
	   num(cJSON_GetArrayItem(p, 1), "pid") == 21, "burn_cpu in two processes, hottest first");
	f = find_func(j, "read", false);
	ok(f && num(f, "self") == 0 && num(f, "total") == 345, "read (libc): total 345");
	f = find_func(j, "[unknown]", false);
	ok(f && cJSON_IsNull(cJSON_GetObjectItem(f, "module")), "[unknown] with no module: null");
	ok(!find_func(j, "0xbebebebebebebebe", true) && !find_func(j, "main", true),
	   "kernel and user functions apart");
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "processes"), 0);
	ok(p && num(p, "pid") == 10 && num(p, "samples") == 345 && num(p, "percent") == 69.0 &&
	   num(p, "kernel_samples") == 345, "processes: dd first, 69%%");

	/* the readers */
	{
		cJSON *t = cJSON_CreateObject(), *ctx = cJSON_AddObjectToObject(t, "context");
		struct fr_decoder d;
		size_t len = 0;
		FILE *m = open_memstream(&txt, &len);
		double sum = 0;
		char *line, *save = NULL;
		bool fits = true, hex = false;

		cJSON_AddStringToObject(t, "detector", "cpu");
		cJSON_AddStringToObject(j, "event", "cpu-clock");
		cJSON_AddStringToObject(j, "unit", "Hz");
		cJSON_AddNumberToObject(j, "rate", 99);
		cJSON_AddNumberToObject(j, "lost", 10);
		cJSON_AddItemReferenceToObject(ctx, "profile", j);
		/* frhelper's two processes' stacks are one line: folded has no pids */
		ok(fr_folded_write(m, t) == 8, "folded: 7 lines and [other]");
		fclose(m);
		for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			sum += atof(strrchr(line, ' ') + 1);
		ok(sum == num(j, "samples"), "folded: the lines add up to the samples (%.0f)", sum);
		free(txt);

		fr_decoder_init(&d, NULL, NULL);
		m = open_memstream(&txt, &len);
		fr_render_trigger_text(m, &d, t, NULL);
		fclose(m);
		printf("%s", txt);
		for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			fits &= strlen(line) <= 80;
			hex |= strstr(line, "0x") != NULL;
		}
		free(txt);
		ok(fits, "trigger text: every line fits 80 columns");
		ok(!hex, "trigger text: no address");
		fr_decoder_free(&d);
		cJSON_Delete(t);
	}
	cJSON_Delete(j);
	fr_pagg_free(a);
}

/* More distinct stacks than kept: the rest in other_samples. */
static void bounded(void)
{
	struct fr_pagg *a = fr_pagg_new(resolve, NULL);
	cJSON *j = cJSON_CreateObject(), *t = cJSON_CreateObject();
	uint64_t u[300];
	double sum = 0;
	char *txt, *line, *save = NULL;
	size_t len;
	FILE *m;

	for (unsigned i = 0; i < 300; i++) {
		u[i] = i % 2 ? 0x401000 : 0x401100;
		/* stacks of 1..300 frames: all different */
		fr_pagg_add(a, 40, "deep", 1000 - i, NULL, 0, u, i + 1);
	}
	ok(!fr_pagg_json(a, 3, 200, j), "300 stacks, 200 kept");
	is_u(cJSON_GetArraySize(cJSON_GetObjectItem(j, "stacks")), 200, "200 stacks in the JSON");
	is_u(num(j, "other_samples"), 100 * 1000 - (200 + 299) * 100 / 2, "the rest in other_samples");
	is_u(num(j, "samples"), 300 * 1000 - 299 * 300 / 2 + 3, "samples");
	cJSON_AddItemReferenceToObject(cJSON_AddObjectToObject(t, "context"), "profile", j);
	m = open_memstream(&txt, &len);
	ok(fr_folded_write(m, t) == 201, "folded: 200 stacks and [other]");
	fclose(m);
	ok(strstr(txt, "\n[other] 75053\n") != NULL, "[other]: the stacks not kept and the lost");
	for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		sum += atof(strrchr(line, ' ') + 1);
	ok(sum == num(j, "samples"), "folded: the lines add up to the samples (%.0f)", sum);
	free(txt);
	cJSON_Delete(t);
	cJSON_Delete(j);
	fr_pagg_free(a);
}

/* A capture made before profiles were aggregated: offsets in the frames,
 * lost samples not in samples. */
static void old_capture(void)
{
	cJSON *t = cJSON_Parse(
		"{\"context\": {\"profile\": {\"samples\": 60, \"lost\": 4, \"other_samples\": 10,"
		"\"stacks\": ["
		"{\"pid\": 1, \"comm\": \"dd\", \"count\": 30, \"kernel\": [\"read_zero+0x77\"],"
		" \"user\": [\"read+0xd (libc.so.6)\", \"0x5645a237299a (dd)\"]},"
		"{\"pid\": 1, \"comm\": \"dd\", \"count\": 20, \"kernel\": [\"read_zero+0x72\"],"
		" \"user\": [\"read+0xd (libc.so.6)\", \"0x5645a237293c (dd)\"]}]}}}");
	char *txt = NULL;
	size_t len;
	FILE *m = open_memstream(&txt, &len);

	ok(fr_folded_write(m, t) == 2, "an older capture: stacks that differ by offsets, one line");
	fclose(m);
	ok(!strcmp(txt, "dd;[unknown];read;read_zero_[k] 50\n[other] 10\n"),
	   "its frames by function, [other] what its stacks miss");
	if (strcmp(txt, "dd;[unknown];read;read_zero_[k] 50\n[other] 10\n"))
		printf("# got:\n%s", txt);
	free(txt);
	cJSON_Delete(t);
}

int main(void)
{
	by_function();
	bounded();
	old_capture();
	return tap_done();
}
