/* cond_text.c: the text side of the conditions (cond.h): a parse error
 * printed with the token underlined, and values and conditions formatted
 * back into words the parser reads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/cond.h"
#include "base/cond_impl.h"
#include "base/util.h"

#define COLUMNS 80
/* the source as shown, after its two-column indent: one column is left
 * for a caret just past its end */
#define SHOWN (COLUMNS - 3)

/* One byte of src as one column, so the carets line up. */
static int shown(unsigned char c)
{
	return c == '\t' ? ' ' : c < ' ' || c >= 0x7f ? '?' : c;
}

/* msg after prefix, wrapped at spaces into lines of COLUMNS, continued
 * four columns in (the source below is two in). */
static void wrap(FILE *f, const char *prefix, const char *msg)
{
	size_t col = strlen(prefix);

	fputs(prefix, f);
	while (*msg == ' ')
		msg++;
	while (*msg) {
		size_t w = strcspn(msg, " ");

		if (col > 4 && col + 1 + w > COLUMNS) {
			fputs("\n    ", f);
			col = 4;
		} else {
			fputc(' ', f);
			col++;
		}
		for (size_t i = 0; i < w; i++)
			fputc(shown(msg[i]), f);
		col += w;
		msg += w;
		while (*msg == ' ')
			msg++;
	}
	fputc('\n', f);
}

/* The window [*from, *to) of the n bytes of src that shows the bad token
 * at pos (len bytes) within SHOWN columns; *left, *right: cut ends, shown
 * as "...". */
static void window(size_t n, size_t pos, size_t len, size_t *from, size_t *to, bool *left,
		   bool *right)
{
	size_t keep = len < SHOWN - 6 ? len : SHOWN - 6, ctx = (SHOWN - 6 - keep) / 2;

	*from = 0;
	*to = n;
	*left = *right = false;
	if (n <= SHOWN)
		return;
	*from = pos > ctx ? pos - ctx : 0;
	if (*from + (SHOWN - 3) >= n) {
		*from = n - (SHOWN - 3);
		*left = true;
	} else if (!*from) {
		*to = SHOWN - 3;
		*right = true;
	} else {
		*to = *from + SHOWN - 6;
		*left = *right = true;
	}
}

void fr_cond_print_error(FILE *f, const struct fr_grammar *g, const char *prog, const char *src,
			 const struct fr_expr_error *err)
{
	size_t n, pos, len, from, to, col;
	char prefix[96];
	bool left, right;

	if (!src)
		src = "";
	n = strlen(src);
	pos = err->pos < n ? err->pos : n;
	len = err->len ? err->len : 1;
	if (pos < n && len > n - pos)
		len = n - pos;
	if (pos == n)
		len = 1;
	snprintf(prefix, sizeof(prefix), "%s%sbad %s:", prog ? prog : "", prog ? ": " : "",
		 g->option);
	wrap(f, prefix, err->msg);
	window(n, pos, len, &from, &to, &left, &right);
	fputs(left ? "  ..." : "  ", f);
	for (size_t i = from; i < to; i++)
		fputc(shown(src[i]), f);
	fputs(right ? "...\n  " : "\n  ", f);
	col = (left ? 3 : 0) + pos - from;
	for (size_t i = 0; i < col; i++)
		fputc(' ', f);
	if (pos < to && len > to - pos)
		len = to - pos;
	for (size_t i = 0; i < len; i++)
		fputc('^', f);
	fputc('\n', f);
	if (err->name && g->names_help)
		fprintf(f, "  %s\n", g->names_help);
	if (g->examples)
		fprintf(f, "  %s\n", g->examples);
}

/* Drop the zeros after a decimal point, and the point if nothing is left. */
static void trim(char *s)
{
	char *end;

	if (!strchr(s, '.'))
		return;
	end = s + strlen(s);
	while (end[-1] == '0')
		*--end = 0;
	if (end[-1] == '.')
		end[-1] = 0;
}

/* v in the unit out of u[] that suits it best, with three significant
 * digits: "12.3ms", "250us", "1.5GB". ratio: how many of a unit make the
 * next one up. */
static const char *fmt_scaled(double v, const struct fr_unit *u, size_t n, double ratio,
			      const char *suffix, char *buf, size_t len)
{
	size_t i = 0;

	while (i + 1 < n && fabs(v) < u[i].mult)
		i++;
	for (;;) {
		double x = v / u[i].mult, a = fabs(x);
		char num[48];

		snprintf(num, sizeof(num), "%.*f", a >= 100 ? 0 : a >= 10 ? 1 : 2, x);
		trim(num);
		/* 999.7us rounds to 1000us: say 1ms */
		if (i > 0 && fabs(strtod(num, NULL)) >= ratio) {
			i--;
			continue;
		}
		snprintf(buf, len, "%s%s%s", num, u[i].name, suffix);
		return buf;
	}
}

const char *fr_fmt_value(enum fr_kind kind, double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "%g", v);
		return buf;
	}
	switch (kind) {
	case FR_KIND_PERCENT: {
		char num[48];

		snprintf(num, sizeof(num), "%.1f", v);
		trim(num);
		snprintf(buf, len, "%s%%", num);
		return buf;
	}
	case FR_KIND_TIME:
		return fmt_scaled(v, fr_time_units, FR_ARRAY_SIZE(fr_time_units), 1000, "", buf, len);
	case FR_KIND_BYTES:
		return fmt_scaled(v, fr_byte_units, FR_ARRAY_SIZE(fr_byte_units), 1024, "", buf, len);
	case FR_KIND_RATE:
		return fmt_scaled(v, fr_byte_units, FR_ARRAY_SIZE(fr_byte_units), 1024, "/s", buf,
				  len);
	case FR_KIND_COUNT:
		break;
	}
	if (fabs(v) >= 9e15 || v == (double)(long long)v)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

/* v / mult with as few decimals as the parser needs to arrive at v exactly;
 * false if none of up to FR_COND_MAX_DECIMALS do. In the base unit (mult 1)
 * that always works for a threshold the parser made, since
 * fr_cond_canon() made it. */
static bool fmt_exact(double v, double mult, char *buf, size_t len)
{
	for (int prec = 0; prec <= FR_COND_MAX_DECIMALS; prec++) {
		snprintf(buf, len, "%.*f", prec, v / mult);
		if (fr_cond_canon(strtod(buf, NULL) * mult) == v)
			return true;
	}
	return false;
}

/* A threshold as text the parser reads back as the same value: the
 * shortest of its spellings in the units of its kind ("1.5GB" rather than
 * "1536MB", "1025B" rather than "1.0009765625KB"), where a leading "0."
 * counts two more ("100ms" rather than "0.1s"), the larger unit on a tie. */
static void fmt_threshold(enum fr_kind kind, double v, char *buf, size_t len)
{
	const struct fr_unit *u;
	const char *suffix = "";
	char best[64] = "", num[40];
	size_t n, blen = 0;

	switch (kind) {
	case FR_KIND_TIME:
		u = fr_time_units;
		n = FR_ARRAY_SIZE(fr_time_units);
		break;
	case FR_KIND_RATE:
		suffix = "/s";
		/* fall through */
	case FR_KIND_BYTES:
		u = fr_byte_units;
		n = FR_ARRAY_SIZE(fr_byte_units);
		break;
	default:
		/* percent and count have one unit; fmt_exact fails only for
		 * thresholds the parser did not make */
		if (!fmt_exact(v, 1, num, sizeof(num)))
			snprintf(num, sizeof(num), "%.*f", FR_COND_MAX_DECIMALS, v);
		snprintf(buf, len, "%s%s", num, kind == FR_KIND_PERCENT ? "%" : "");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char cand[64];
		size_t clen;

		/* 0 is "0B" rather than "0TB" */
		if (i + 1 < n && (!v || !fmt_exact(v, u[i].mult, num, sizeof(num))))
			continue;
		/* the base unit always has a spelling (see fr_cond_canon) */
		if (i + 1 == n && !fmt_exact(v, 1, num, sizeof(num)))
			snprintf(num, sizeof(num), "%.*f", FR_COND_MAX_DECIMALS, v);
		snprintf(cand, sizeof(cand), "%s%s%s", num, u[i].name, suffix);
		clen = strlen(cand) + (num[0] == '0' && num[1] == '.' ? 2 : 0);
		if (!best[0] || clen < blen) {
			memcpy(best, cand, sizeof(best));
			blen = clen;
		}
	}
	snprintf(buf, len, "%s", best);
}

/* A duration in the largest unit that holds it exactly: 5s, 250ms, 2m. */
static void fmt_duration(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} u[] = {
		{ "h", 3600000000000ULL }, { "m", 60000000000ULL }, { "s", 1000000000ULL },
		{ "ms", 1000000ULL }, { "us", 1000ULL }, { "ns", 1 },
	};
	size_t i = 0;

	if (!ns) {
		snprintf(buf, len, "0s");
		return;
	}
	while (ns % u[i].mult)
		i++;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ns / u[i].mult), u[i].name);
}

const char *fr_cond_format(const struct fr_cond *c, char *buf, size_t len)
{
	char v[64], w[32], f[40] = "";

	if (!c->name[0]) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (c->change) {
		/* per cent, signed: "+20%", "-10%" */
		fmt_threshold(FR_KIND_PERCENT, fabs(c->threshold), v + 1, sizeof(v) - 1);
		v[0] = c->threshold < 0 ? '-' : '+';
	} else {
		fmt_threshold(c->kind, c->threshold, v, sizeof(v));
	}
	if (c->for_ns) {
		memcpy(f, " for ", 6);
		fmt_duration(c->for_ns, f + 5, sizeof(f) - 5);
	}
	if (c->rise) {
		fmt_duration(c->window_ns, w, sizeof(w));
		snprintf(buf, len, "%s rises %s in %s%s", c->name, v, w, f);
	} else {
		snprintf(buf, len, "%s %s %s%s", c->name, fr_cmp_name(c->cmp), v, f);
	}
	return buf;
}

const char *fr_cmp_name(enum fr_cmp c)
{
	switch (c) {
	case FR_CMP_GT: return ">";
	case FR_CMP_GE: return ">=";
	case FR_CMP_LT: return "<";
	case FR_CMP_LE: return "<=";
	}
	return "?";
}

bool fr_cmp_holds(enum fr_cmp c, double value, double threshold)
{
	switch (c) {
	case FR_CMP_GT: return value > threshold;
	case FR_CMP_GE: return value >= threshold;
	case FR_CMP_LT: return value < threshold;
	case FR_CMP_LE: return value <= threshold;
	}
	return false;
}

const char *fr_kind_units(enum fr_kind k)
{
	switch (k) {
	case FR_KIND_PERCENT: return "%";
	case FR_KIND_TIME: return "time: ns, us, ms, s";
	case FR_KIND_BYTES: return "bytes: B, KB, MB, GB";
	case FR_KIND_RATE: return "rate: B/s, KB/s, MB/s, GB/s";
	case FR_KIND_COUNT: break;
	}
	return "count";
}
