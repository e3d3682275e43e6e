/* fuzz_control.c: libFuzzer harness for the control channel's framing and
 * request parser: any bytes, cut into reads of any sizes, must frame and
 * parse or be refused without a crash, a leak or an out-of-bounds read; a
 * refusal must say why; what parses must respect the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/control.h"

static void check(const char *msg, size_t len)
{
	struct fr_ctl_req req;
	char err[256];

	if (fr_ctl_parse(msg, len, &req, err, sizeof(err))) {
		if (!err[0])
			abort();
		return;
	}
	if (req.op == FR_CTL_MARK) {
		if (!req.name || !req.name[0] || req.nmeta > FR_CTL_MAX_META ||
		    req.bytes > FR_CTL_MAX_MARK_BYTES || (req.end && !req.has_trace))
			abort();
		for (unsigned i = 0; i < req.nmeta; i++)
			if (!req.meta[i].key[0] || strlen(req.meta[i].key) > FR_CTL_MAX_KEY)
				abort();
	}
	fr_ctl_req_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fr_ctl_reader rd = { 0 };
	size_t off, step;

	/* the whole input as one message */
	check((const char *)data, size);
	/* and as a stream of framed messages, read in chunks whose sizes the
	 * first byte picks */
	step = size ? (data[0] % 7) + 1 : 1;
	for (off = 0; off < size;) {
		size_t n = size - off < step ? size - off : step, used;
		int ret = fr_ctl_feed(&rd, data + off, n, &used);

		if (used > n)
			abort();
		off += used;
		if (ret < 0)
			break;
		if (ret == 1) {
			if (strlen(rd.msg) > rd.need)
				abort();
			check(rd.msg, rd.need);
			fr_ctl_reader_reset(&rd);
		} else if (used < n) {
			abort();	/* more wanted, yet bytes left over */
		}
	}
	fr_ctl_reader_reset(&rd);
	return 0;
}
