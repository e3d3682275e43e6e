/* live_ctl.c: the recorder's controls on its control socket (pause,
 * resume, clear, resize, enable, disable: flightrec ctl) and SIGUSR2,
 * which toggles the pause. Runs in the recorder's main loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "live.h"
#include "base/log.h"
#include "base/util.h"
#include "capture/event.h"

volatile sig_atomic_t fr_live_usr2;

static void on_usr2(int sig)
{
	(void)sig;
	fr_live_usr2 = 1;
}

void fr_live_catch_usr2(void)
{
	struct sigaction sa = { .sa_handler = on_usr2 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
}

static void refuse(cJSON *reply, const char *msg)
{
	cJSON_AddBoolToObject(reply, "ok", false);
	cJSON_AddStringToObject(reply, "error", msg);
}

static cJSON *groups_json(unsigned groups)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < fr_ngroups; i++)
		if (groups & fr_groups[i].bit)
			cJSON_AddItemToArray(a, cJSON_CreateString(fr_groups[i].name));
	return a;
}

void fr_live_state_json(const struct fr_recorder *r, cJSON *o)
{
	uint64_t now = fr_boot_ns();

	cJSON_AddBoolToObject(o, "enabled", !r->paused);
	if (r->paused) {
		cJSON_AddNumberToObject(o, "paused_since_ns", (double)r->tl.paused_since);
		cJSON_AddNumberToObject(o, "paused_s", (now - r->tl.paused_since) / 1e9);
	}
	cJSON_AddItemToObject(o, "groups", groups_json(r->groups));
	cJSON_AddNumberToObject(o, "pauses", (double)(r->tl.pauses_total + r->paused));
	cJSON_AddNumberToObject(o, "paused_total_s",
				(r->tl.paused_ns + (r->paused ? now - r->tl.paused_since : 0)) / 1e9);
}

/* Every reply of a control says what the recorder is now. */
static void ok_state(const struct fr_live *l, cJSON *reply)
{
	cJSON_AddBoolToObject(reply, "ok", true);
	fr_live_state_json(l->r, reply);
	cJSON_AddNumberToObject(reply, "ring_size", (double)l->r->ring.cap);
	cJSON_AddNumberToObject(reply, "ring_records", (double)l->r->ring.records);
}

static void do_pause(struct fr_live *l, bool pause, cJSON *reply)
{
	char err[256] = "the recorder could not change state";
	int ret = pause ? fr_recorder_pause(l->r) : fr_recorder_resume(l->r, err, sizeof(err));

	if (ret && ret != -EALREADY) {
		refuse(reply, err);
		return;
	}
	ok_state(l, reply);
	cJSON_AddBoolToObject(reply, "changed", ret != -EALREADY);
}

static void do_clear(struct fr_live *l, cJSON *reply)
{
	uint64_t n = fr_recorder_clear(l->r);

	fr_info("cleared the ring: %llu events", (unsigned long long)n);
	ok_state(l, reply);
	cJSON_AddNumberToObject(reply, "cleared", (double)n);
}

static void do_resize(struct fr_live *l, uint64_t size, cJSON *reply)
{
	uint64_t before = l->r->ring.cap, discarded = 0;
	char msg[256], a[16], b[16];
	int err;

	if (size < FR_LIVE_RING_MIN || size > FR_LIVE_RING_MAX) {
		snprintf(msg, sizeof(msg), "bad size %llu: the ring takes 64K to 4G",
			 (unsigned long long)size);
		refuse(reply, msg);
		return;
	}
	err = fr_recorder_resize(l->r, size, &discarded);
	if (err) {
		snprintf(msg, sizeof(msg), "cannot make a %s ring: %s; it stays %s",
			 fr_fmt_bytes(size, a, sizeof(a)), strerror(-err), fr_fmt_bytes(before, b, sizeof(b)));
		refuse(reply, msg);
		return;
	}
	fr_info("ring resized from %s to %s%s", fr_fmt_bytes(before, a, sizeof(a)),
		fr_fmt_bytes(l->r->ring.cap, b, sizeof(b)), discarded ? ", the oldest events discarded" : "");
	ok_state(l, reply);
	cJSON_AddNumberToObject(reply, "previous_size", (double)before);
	cJSON_AddNumberToObject(reply, "discarded", (double)discarded);
}

static void do_groups(struct fr_live *l, const struct fr_ctl_req *q, cJSON *reply)
{
	bool on = q->op == FR_CTL_ENABLE;
	unsigned mask = 0, changed = 0;
	const char *bad = NULL;
	size_t badlen = 0;
	char msg[512];

	if (fr_groups_parse(q->groups, &mask, &bad, &badlen)) {
		snprintf(msg, sizeof(msg), "unknown probe group '%.*s' (groups: sched, process, "
			 "syscalls, block, all)", (int)(badlen > 64 ? 64 : badlen), bad ? bad : "");
		refuse(reply, msg);
		return;
	}
	if (fr_recorder_set_groups(l->r, on ? mask : 0, on ? 0 : mask, &changed, msg, sizeof(msg))) {
		refuse(reply, msg);
		return;
	}
	if (changed) {
		char list[128] = "";

		for (size_t i = 0; i < fr_ngroups; i++)
			if (changed & fr_groups[i].bit)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 list[0] ? "," : "", fr_groups[i].name);
		fr_info("%s %s%s", on ? "enabled" : "disabled", list,
			l->r->paused ? " (paused: from the resume)" : "");
	}
	ok_state(l, reply);
	cJSON_AddItemToObject(reply, "changed", groups_json(changed));
}

bool fr_live_ctl(struct fr_live *l, const struct fr_ctl_req *q, cJSON *reply)
{
	switch (q->op) {
	case FR_CTL_PAUSE:
	case FR_CTL_RESUME:
		do_pause(l, q->op == FR_CTL_PAUSE, reply);
		return true;
	case FR_CTL_CLEAR:
		do_clear(l, reply);
		return true;
	case FR_CTL_RESIZE:
		do_resize(l, q->size, reply);
		return true;
	case FR_CTL_ENABLE:
	case FR_CTL_DISABLE:
		do_groups(l, q, reply);
		return true;
	default:
		return false;
	}
}

void fr_live_toggle_signal(struct fr_live *l)
{
	char err[256];

	if (!l->r)
		return;
	if (!l->r->paused) {
		fr_info("SIGUSR2: pausing");
		fr_recorder_pause(l->r);
	} else if (fr_recorder_resume(l->r, err, sizeof(err))) {
		fr_err("SIGUSR2: cannot resume: %s", err);
	}
}
