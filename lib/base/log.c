/* log.c: stderr messages with a fixed prefix and verbosity levels. */
#include <stdarg.h>
#include <stdio.h>

#include "base/log.h"

int fr_verbosity = FR_NORMAL;

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "flightrec: %s", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void fr_warn(const char *fmt, ...)
{
	va_list ap;

	if (fr_verbosity < FR_NORMAL)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void fr_info(const char *fmt, ...)
{
	va_list ap;

	if (fr_verbosity < FR_NORMAL)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void fr_vlog(const char *fmt, ...)
{
	va_list ap;

	if (fr_verbosity < FR_VERBOSE)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}
