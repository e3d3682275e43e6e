/* cond.c: the conditions of trigger --when and stats --fail-if: a tokenizer
 * and a recursive-descent parser for the grammar in cond.h, driven by the
 * command's struct fr_grammar (its names, the forms it takes).
 *
 * The parser works on any bytes (the string comes from the command line), in
 * the caller's structs: no allocation, no global state. Errors name the
 * offending token by position so the caller can underline it; every message
 * says what would have been right. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/cond.h"
#include "base/cond_impl.h"
#include "base/util.h"

/* Durations: up to a day, in ns. */
#define MAX_DURATION_NS	(24 * 3600 * 1e9)
/* A number literal: at most this many characters. */
#define MAX_NUM_LEN	40

enum tok_type { T_END, T_IDENT, T_NUM, T_OP };

struct tok {
	enum tok_type type;
	size_t pos, len;	/* the whole token: a number with its sign and unit */
	size_t nlen;		/* T_NUM: the sign and digits, from pos */
	size_t upos, ulen;	/* T_NUM: the unit; ulen 0 if there is none */
	char sign;		/* T_NUM: '+', '-' or 0 */
	double val;		/* T_NUM */
	enum fr_cmp cmp;	/* T_OP */
};

struct parser {
	const struct fr_grammar *g;
	const char *src;
	size_t off;		/* where the next token starts */
	struct tok t;		/* the current token */
	struct fr_expr_error *err;
};

const struct fr_unit fr_time_units[4] = {
	{ "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
};
const struct fr_unit fr_duration_units[6] = {
	{ "h", 3600e9 }, { "m", 60e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
};
const struct fr_unit fr_byte_units[5] = {
	{ "TB", 1099511627776.0 }, { "GB", 1073741824.0 }, { "MB", 1048576.0 }, { "KB", 1024.0 },
	{ "B", 1 },
};

/* ASCII only: <ctype.h> would follow the locale. */
static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_ident(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '_';
}

/* A metric's name may hold a '-' after its start: block.dm-0.p99. */
static bool is_name(unsigned char c)
{
	return is_ident(c) || c == '-';
}

/* What may follow a number as its unit: "ms", "MiB/s"; digits and dots
 * too, so that "12m3" or "5s.5" are one bad unit rather than a unit and
 * some trailing junk. A "%" is a unit by itself ("45%and" is fine). */
static bool is_unit(unsigned char c)
{
	return is_ident(c) || c == '%' || c == '/';
}

static bool is_op(unsigned char c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

/* The start of a number at s: digits, or a '.', '-' or '+' before them. */
static bool starts_number(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return is_digit(s[0]) || (s[0] == '.' && is_digit(s[1]));
}

static bool word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && !memcmp(s, w, len);
}

static bool is_keyword(const char *s, size_t len)
{
	return word_is(s, len, "and") || word_is(s, len, "rises") || word_is(s, len, "in") ||
	       word_is(s, len, "for");
}

static bool tok_is(const struct parser *p, const char *kw)
{
	return p->t.type == T_IDENT && word_is(p->src + p->t.pos, p->t.len, kw);
}

static bool has(const struct parser *p, unsigned form)
{
	return p->g->forms & form;
}

static int fail(struct parser *p, size_t pos, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, size_t pos, size_t len, const char *fmt, ...)
{
	va_list ap;

	p->err->pos = pos;
	p->err->len = len ? len : 1;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A token quoted for a message, shortened if long. Tokens that reach the
 * parser hold only identifier, number, unit and operator characters, so
 * they print as they are. */
static const char *quote(const struct parser *p, const struct tok *t, char *buf, size_t len)
{
	if (t->type == T_END)
		snprintf(buf, len, "the end");
	else if (t->len > 24)
		snprintf(buf, len, "'%.20s...'", p->src + t->pos);
	else
		snprintf(buf, len, "'%.*s'", (int)t->len, p->src + t->pos);
	return buf;
}

/* Check the digits of the number token t (an optional sign, digits, at most
 * one '.' between digits) and read its value. */
static int lex_number(struct parser *p, struct tok *t)
{
	const char *s = p->src + t->pos;
	char copy[MAX_NUM_LEN + 1], *end;
	size_t i = 0, digits = 0, decimals = 0, dot = 0;

	if (s[i] == '-' || s[i] == '+')
		t->sign = s[i++];
	for (; i < t->nlen; i++) {
		if (s[i] == '.') {
			if (dot || !digits)
				break;
			dot = i;
		} else if (dot) {
			decimals++;
		} else {
			digits++;
		}
	}
	if (i < t->nlen || !digits || (dot && !decimals))
		return fail(p, t->pos, t->len, "bad number '%.*s'",
			    (int)(t->len > 24 ? 24 : t->len), s);
	if (t->ulen && (s[t->nlen] == 'e' || s[t->nlen] == 'E') && is_digit(s[t->nlen + 1]))
		return fail(p, t->pos, t->len, "bad number '%.*s': write plain decimals, e.g. 1000",
			    (int)(t->len > 24 ? 24 : t->len), s);
	if (t->nlen > MAX_NUM_LEN)
		return fail(p, t->pos, t->nlen, "number too long (at most %d characters)",
			    MAX_NUM_LEN);
	/* trailing zeros add nothing: 45.000000000000 is fine */
	for (i = t->nlen; decimals && s[i - 1] == '0'; i--)
		decimals--;
	if (decimals > FR_COND_MAX_DECIMALS)
		return fail(p, t->pos, t->nlen, "too many decimals (at most %d)",
			    FR_COND_MAX_DECIMALS);
	memcpy(copy, s, t->nlen);
	copy[t->nlen] = 0;
	errno = 0;
	t->val = strtod(copy, &end);
	if (*end || errno == ERANGE || !isfinite(t->val))
		return fail(p, t->pos, t->nlen, "bad number '%s'", copy);
	if (t->val == 0)
		t->val = 0;	/* no "-0" */
	return 0;
}

/* A number's unit, from s + j: right after it ("5ms", "45%"), or after a
 * space ("45 %", "500 MB/s") when the word there is not a keyword or a
 * metric name. Where the token ends. */
static size_t lex_unit(const char *s, size_t j, struct tok *t)
{
	size_t k = j, u;

	if (s[j] == '%') {
		t->upos = j;
		t->ulen = 1;
		return j + 1;
	}
	if (is_alpha(s[j])) {
		for (t->upos = j; is_unit(s[j]); j++)
			;
		t->ulen = j - t->upos;
		return j;
	}
	while (is_space(s[k]))
		k++;
	if (s[k] == '%') {
		t->upos = k;
		t->ulen = 1;
		return k + 1;
	}
	if (is_alpha(s[k])) {
		for (u = k; is_unit(s[u]); u++)
			;
		if (!is_keyword(s + k, u - k) && !memchr(s + k, '.', u - k)) {
			t->upos = k;
			t->ulen = u - k;
			return u;
		}
	}
	return j;
}

/* The token at p->off into p->t. Errors that need no context (a stray
 * byte, a malformed number or operator) are found here. */
static int next(struct parser *p)
{
	const char *s = p->src;
	struct tok *t = &p->t;
	size_t i = p->off, j;
	unsigned char c;

	while (is_space(s[i]))
		i++;
	memset(t, 0, sizeof(*t));
	t->pos = i;
	c = s[i];
	if (!c) {
		t->type = T_END;
		t->len = 1;
		p->off = i;
		return 0;
	}
	if (is_alpha(c) || c == '_') {
		for (j = i; is_name(s[j]); j++)
			;
		t->type = T_IDENT;
		t->len = j - i;
	} else if (starts_number(s + i)) {
		t->type = T_NUM;
		for (j = i + 1; is_digit(s[j]) || s[j] == '.'; j++)
			;
		t->nlen = j - i;
		t->len = lex_unit(s, j, t) - i;
		if (lex_number(p, t))
			return -EINVAL;
	} else if (is_op(c)) {
		for (j = i; is_op(s[j]); j++)
			;
		t->type = T_OP;
		t->len = j - i;
		if (word_is(s + i, t->len, ">"))
			t->cmp = FR_CMP_GT;
		else if (word_is(s + i, t->len, ">="))
			t->cmp = FR_CMP_GE;
		else if (word_is(s + i, t->len, "<"))
			t->cmp = FR_CMP_LT;
		else if (word_is(s + i, t->len, "<="))
			t->cmp = FR_CMP_LE;
		else
			return fail(p, i, t->len,
				    "unknown operator '%.*s': compare with >, >=, < or <=",
				    (int)(t->len > 8 ? 8 : t->len), s + i);
	} else if (c == '(' || c == ')') {
		return fail(p, i, 1, "parentheses are not supported%s",
			    has(p, FR_FORM_AND) ? ": join conditions with 'and'" : "");
	} else if (c == '&' || c == '|') {
		return fail(p, i, s[i + 1] == c ? 2 : 1, has(p, FR_FORM_AND) ?
			    "join conditions with 'and'" : "one condition per option");
	} else if (c > ' ' && c < 0x7f) {
		return fail(p, i, 1, "unexpected character '%c'", c);
	} else {
		return fail(p, i, 1, "unexpected byte 0x%02x", c);
	}
	p->off = t->pos + t->len;
	return 0;
}

/* A threshold rounded to FR_COND_MAX_DECIMALS decimals of its base unit,
 * which is more than any metric resolves. Then the base unit always has a
 * spelling that parses back to exactly the threshold (printf's rounding to
 * as many decimals gives it back), so fr_cond_format never loses a digit
 * and normalising a normalised expression changes nothing. */
double fr_cond_canon(double v)
{
	char buf[64];

	if (!(fabs(v) <= FR_COND_MAX_VALUE))
		return v;
	snprintf(buf, sizeof(buf), "%.*f", FR_COND_MAX_DECIMALS, v);
	return strtod(buf, NULL);
}

static double unit_find(const struct fr_unit *u, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (word_is(s, len, u[i].name))
			return u[i].mult;
	return 0;
}

/* B, K, KB, KiB ... T, TB, TiB, any case: the multiplier, or 0. */
static double bytes_mult(const char *s, size_t len)
{
	static const char prefixes[] = "kmgt";
	const char *p;
	double mult = 1;

	if (len == 1 && (s[0] | 0x20) == 'b')
		return 1;
	if (!len || !is_alpha(s[0]) || !(p = strchr(prefixes, s[0] | 0x20)))
		return 0;
	for (long i = 0; i <= p - prefixes; i++)
		mult *= 1024;
	if (len == 1 || (len == 2 && (s[1] | 0x20) == 'b') ||
	    (len == 3 && (s[1] | 0x20) == 'i' && (s[2] | 0x20) == 'b'))
		return mult;
	return 0;
}

static bool is_rate_unit(const char *s, size_t len)
{
	return len > 2 && !memcmp(s + len - 2, "/s", 2) && bytes_mult(s, len - 2);
}

/* Whether the unit means anything at all here, to tell "unknown unit" from
 * "wrong kind of unit". */
static bool unit_known(const char *s, size_t len)
{
	return word_is(s, len, "%") || bytes_mult(s, len) || is_rate_unit(s, len) ||
	       unit_find(fr_duration_units, FR_ARRAY_SIZE(fr_duration_units), s, len);
}

static const char *const kind_example[] = {
	[FR_KIND_PERCENT] = "45%", [FR_KIND_TIME] = "5ms", [FR_KIND_BYTES] = "1GB",
	[FR_KIND_RATE] = "200MB/s", [FR_KIND_COUNT] = "3",
};

/* The multiplier of the value token's unit for a metric of kind c->kind,
 * or an error at the unit (or the number when it has none) that says
 * which units that kind takes. */
static int unit_mult(struct parser *p, const struct fr_cond *c, double *mult)
{
	const struct tok *t = &p->t;
	const char *u = p->src + t->upos, *name = c->name;
	size_t ulen = t->ulen, epos = ulen ? t->upos : t->pos, elen = ulen ? ulen : t->nlen;
	char unknown[48] = "";

	if (ulen && !unit_known(u, ulen))
		snprintf(unknown, sizeof(unknown), "unknown unit '%.*s'; ",
			 (int)(ulen > 16 ? 16 : ulen), u);
	*mult = 0;
	switch (c->kind) {
	case FR_KIND_PERCENT:
		if (!ulen || word_is(u, ulen, "%"))
			*mult = 1;
		else
			return fail(p, epos, elen, "%s%s is a percentage: write e.g. 45%%",
				    unknown, name);
		break;
	case FR_KIND_TIME:
		if (!ulen)
			return fail(p, epos, elen, "%s is a time: give it a unit, ns, us, ms or s "
				    "(e.g. 5ms)", name);
		*mult = unit_find(fr_time_units, FR_ARRAY_SIZE(fr_time_units), u, ulen);
		if (!*mult)
			return fail(p, epos, elen, "%s%s is a time: use ns, us, ms or s, e.g. 5ms",
				    unknown, name);
		break;
	case FR_KIND_BYTES:
		if (!ulen)
			return fail(p, epos, elen, "%s is a size: give it a unit, B, KB, MB, GB "
				    "or TB (e.g. 1GB)", name);
		if (is_rate_unit(u, ulen))
			return fail(p, epos, elen, "%s is a size, not a rate: write e.g. 1GB",
				    name);
		*mult = bytes_mult(u, ulen);
		if (!*mult)
			return fail(p, epos, elen,
				    "%s%s is a size: use B, KB, MB, GB or TB, e.g. 1GB", unknown,
				    name);
		break;
	case FR_KIND_RATE:
		if (!ulen)
			return fail(p, epos, elen, "%s is a rate: give it a unit, B/s, KB/s, MB/s, "
				    "GB/s or TB/s (e.g. 200MB/s)", name);
		if (!is_rate_unit(u, ulen))
			return fail(p, epos, elen, "%s%s is a rate: use B/s, KB/s, MB/s, GB/s or "
				    "TB/s, e.g. 200MB/s", unknown, name);
		*mult = bytes_mult(u, ulen - 2);
		break;
	case FR_KIND_COUNT:
		if (ulen)
			return fail(p, epos, elen, "%s%s is a count: write a plain number, e.g. 3",
				    unknown, name);
		*mult = 1;
		break;
	}
	return 0;
}

/* A signed per cent: a change against the baseline's figure. */
static int parse_change(struct parser *p, struct fr_cond *c)
{
	const struct tok *t = &p->t;
	double v = fr_cond_canon(t->val);

	if (!(t->ulen == 1 && p->src[t->upos] == '%'))
		return fail(p, t->pos, t->len, "a signed value is a change against the baseline, "
			    "in per cent: write e.g. +20%%, or %s without a sign for %s itself",
			    kind_example[c->kind], c->name);
	if (v < -100)
		return fail(p, t->pos, t->len, "a figure cannot fall by more than 100%%");
	if (v > FR_COND_MAX_VALUE)
		return fail(p, t->pos, t->len, "change too large for %s", c->name);
	c->change = true;
	c->threshold = v;
	return next(p);
}

/* The value token as the threshold of c's metric, in base units (or a
 * change, in per cent). */
static int parse_value(struct parser *p, struct fr_cond *c, bool rise)
{
	const struct tok *t = &p->t;
	bool change = has(p, FR_FORM_CHANGE) && !rise;
	char q[40];
	double mult, v;

	if (t->type != T_NUM)
		return fail(p, t->pos, t->len, "expected a value for %s, e.g. %s%s%s%s", c->name,
			    kind_example[c->kind], change ? " or +20%" : "",
			    t->type == T_END ? "" : ", not ",
			    t->type == T_END ? "" : quote(p, t, q, sizeof(q)));
	if (change && t->sign)
		return parse_change(p, c);
	if (t->sign == '+')
		return fail(p, t->pos, 1, rise ? "a rise has no sign: write e.g. 'rises %s in 10s'" :
			    "a threshold has no sign: write e.g. %s", kind_example[c->kind]);
	if (change && c->kind != FR_KIND_PERCENT && t->ulen == 1 && p->src[t->upos] == '%')
		return fail(p, t->upos, 1, "a change against the baseline has a sign: +20%% or "
			    "-10%%; %s itself takes e.g. %s", c->name, kind_example[c->kind]);
	if (unit_mult(p, c, &mult))
		return -EINVAL;
	v = fr_cond_canon(t->val * mult);
	if (rise && v <= 0)
		return fail(p, t->pos, t->len, "a rise must be more than 0");
	if (v < 0)
		return fail(p, t->pos, t->len, "%s cannot be negative", c->name);
	if (c->kind == FR_KIND_PERCENT && v > 100)
		return fail(p, t->pos, t->len, "%s is a percentage: at most 100%%", c->name);
	if (v > FR_COND_MAX_VALUE)
		return fail(p, t->pos, t->len, "value too large for %s", c->name);
	c->threshold = v;
	return next(p);
}

/* The duration after 'in' (window) or 'for', in ns. */
static int parse_duration(struct parser *p, const char *after, bool window, uint64_t *out)
{
	const struct tok *t = &p->t;
	const struct fr_grammar *g = p->g;
	double mult, ns;
	char q[40];

	if (t->type != T_NUM)
		return fail(p, t->pos, t->len, "expected a duration after '%s', e.g. %s%s%s", after,
			    window ? "10s" : "5s", t->type == T_END ? "" : ", not ",
			    t->type == T_END ? "" : quote(p, t, q, sizeof(q)));
	if (!t->ulen)
		return fail(p, t->pos, t->nlen, "a duration needs a unit: ns, us, ms, s, m or h "
			    "(e.g. 5s)");
	mult = unit_find(fr_duration_units, FR_ARRAY_SIZE(fr_duration_units), p->src + t->upos,
			 t->ulen);
	if (!mult)
		return fail(p, t->upos, t->ulen,
			    "unknown duration unit '%.*s': use ns, us, ms, s, m or h",
			    (int)(t->ulen > 16 ? 16 : t->ulen), p->src + t->upos);
	if (t->sign)
		return fail(p, t->pos, t->len, "a duration %s", t->sign == '-' ?
			    "cannot be negative" : "has no sign");
	ns = t->val * mult;
	if (ns > MAX_DURATION_NS)
		return fail(p, t->pos, t->len, "durations are limited to 24h");
	*out = (uint64_t)(ns + 0.5);
	if (window && !*out)
		return fail(p, t->pos, t->len, "the window must be longer than 0");
	if (window && g->window_max_ns && (*out < g->window_min_ns || *out > g->window_max_ns))
		return fail(p, t->pos, t->len, "%s", g->window_help ? g->window_help :
			    "the window is out of range");
	return next(p);
}

/* The metric at the current token into c, by the grammar's lookup. */
static int parse_metric(struct parser *p, struct fr_cond *c)
{
	const char *name = p->src + p->t.pos;
	size_t len = p->t.len;
	struct fr_expr_error *err = p->err;
	char q[40];

	if (p->t.type != T_IDENT || is_keyword(name, len)) {
		fail(p, p->t.pos, p->t.len, "expected a metric name, e.g. %.*s, not %s",
		     (int)strcspn(p->g->example, " "), p->g->example, quote(p, &p->t, q, sizeof(q)));
		err->name = true;
		return -EINVAL;
	}
	memset(err, 0, sizeof(*err));
	if (p->g->lookup(name, len, c, err)) {
		size_t at = err->pos < len ? err->pos : 0;

		err->len = err->len && err->len <= len - at ? err->len : len - at;
		err->pos = p->t.pos + at;
		err->name = true;
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "unknown metric");
		return -EINVAL;
	}
	return next(p);
}

/* A condition's form: a comparison, a rise, or (count metrics) nothing. */
static int parse_form(struct parser *p, struct fr_cond *c)
{
	if (p->t.type == T_OP) {
		c->cmp = p->t.cmp;
		return next(p) || parse_value(p, c, false) ? -EINVAL : 0;
	}
	if (tok_is(p, "rises") && !has(p, FR_FORM_RISES))
		return fail(p, p->t.pos, p->t.len, "no 'rises' in %s: compare with a value, "
			    "e.g. '%s'", p->g->option, p->g->example);
	if (tok_is(p, "rises")) {
		c->rise = true;
		c->cmp = FR_CMP_GE;
		if (next(p) || parse_value(p, c, true))
			return -EINVAL;
		if (!tok_is(p, "in"))
			return fail(p, p->t.pos, p->t.len,
				    "'rises' needs a window: add e.g. 'in 10s'");
		return next(p) || parse_duration(p, "in", true, &c->window_ns) ? -EINVAL : 0;
	}
	if (has(p, FR_FORM_BARE) && c->kind == FR_KIND_COUNT &&
	    (p->t.type == T_END || tok_is(p, "and") || tok_is(p, "for"))) {
		/* "events.crash": any at all */
		c->cmp = FR_CMP_GT;
		c->threshold = 0;
		return 0;
	}
	return fail(p, p->t.pos, p->t.len, "expected a comparison (>, >=, <, <=)%s after '%s'",
		    has(p, FR_FORM_RISES) ? " or 'rises'" : "", c->name);
}

static int parse_cond(struct parser *p, struct fr_cond *c)
{
	if (parse_metric(p, c) || parse_form(p, c))
		return -EINVAL;
	if (!tok_is(p, "for"))
		return 0;
	if (!has(p, FR_FORM_FOR))
		return fail(p, p->t.pos, p->t.len, "no 'for' in %s: each figure is compared once",
			    p->g->option);
	return next(p) || parse_duration(p, "for", false, &c->for_ns) ? -EINVAL : 0;
}

/* What to say about a token where 'and' or the end should be. */
static int fail_trailing(struct parser *p, const struct fr_cond *c)
{
	const struct tok *t = &p->t;
	const char *s = p->src + t->pos, *end = has(p, FR_FORM_AND) ? "'and' or the end" : "the end";
	char q[40];

	if (tok_is(p, "and"))
		return fail(p, t->pos, t->len, "one condition per %s: give each its own",
			    p->g->option);
	if (tok_is(p, "for"))
		return fail(p, t->pos, t->len, "'for' is given twice");
	if (tok_is(p, "in"))
		return fail(p, t->pos, t->len, c->rise ? "'in' is given twice" :
			    has(p, FR_FORM_RISES) ?
			    "'in' goes with 'rises', e.g. 'memburst.anon rises 1GB in 10s'" :
			    "unexpected 'in'");
	if (tok_is(p, "rises") || t->type == T_OP)
		return fail(p, t->pos, t->len, "one comparison per condition%s",
			    has(p, FR_FORM_AND) ? ": join more with 'and'" : "");
	if (t->type == T_IDENT && (word_is(s, t->len, "or") || word_is(s, t->len, "OR")))
		return fail(p, t->pos, t->len, has(p, FR_FORM_AND) ?
			    "'or' is not supported: conditions are joined with 'and'" :
			    "'or' is not supported: give each condition its own option");
	if (t->type == T_IDENT && t->len == 3 && (s[0] | 0x20) == 'a' && (s[1] | 0x20) == 'n' &&
	    (s[2] | 0x20) == 'd')
		return fail(p, t->pos, t->len, has(p, FR_FORM_AND) ? "write 'and' in lower case" :
			    "one condition per option");
	return fail(p, t->pos, t->len, "expected %s, not %s", end, quote(p, t, q, sizeof(q)));
}

/* Each condition as fr_cond_format writes it, joined by " and ". */
static int normalise(struct parser *p, struct fr_expr *e)
{
	size_t used = 0;

	for (unsigned i = 0; i < e->n; i++) {
		char buf[200];
		int n;

		fr_cond_format(&e->conds[i], buf, sizeof(buf));
		n = snprintf(e->text + used, sizeof(e->text) - used, "%s%s", i ? " and " : "", buf);
		if (n < 0 || (size_t)n >= sizeof(e->text) - used)
			return fail(p, 0, strlen(p->src), "expression too long");
		used += n;
	}
	return 0;
}

int fr_cond_parse(const struct fr_grammar *g, const char *src, struct fr_expr *e,
		  struct fr_expr_error *err)
{
	struct fr_expr_error dummy;
	struct parser p = { .g = g, .src = src ? src : "", .err = err ? err : &dummy };

	memset(e, 0, sizeof(*e));
	memset(p.err, 0, sizeof(*p.err));
	if (next(&p))
		return -EINVAL;
	if (p.t.type == T_END)
		return fail(&p, p.t.pos, 1, "empty %s: give a condition, e.g. %s",
			    has(&p, FR_FORM_AND) ? "expression" : "condition", g->example);
	for (;;) {
		if (e->n == FR_EXPR_MAX_CONDS)
			return fail(&p, p.t.pos, p.t.len, "too many conditions (at most %d)",
				    FR_EXPR_MAX_CONDS);
		if (parse_cond(&p, &e->conds[e->n]))
			return -EINVAL;
		e->n++;
		if (p.t.type == T_END)
			break;
		if (!tok_is(&p, "and") || !has(&p, FR_FORM_AND))
			return fail_trailing(&p, &e->conds[e->n - 1]);
		if (next(&p))
			return -EINVAL;
		if (p.t.type == T_END)
			return fail(&p, p.t.pos, 1, "expected a condition after 'and'");
	}
	return normalise(&p, e);
}

int fr_cond_unknown(struct fr_expr_error *err, const char *what, const char *name, size_t len,
		    const char *hint)
{
	int n = len > 40 ? 40 : (int)len;
	const char *more = len > 40 ? "..." : "";

	err->pos = 0;
	err->len = 0;
	if (hint)
		snprintf(err->msg, sizeof(err->msg), "unknown %s '%.*s%s' (did you mean %s?)", what,
			 n, name, more, hint);
	else
		snprintf(err->msg, sizeof(err->msg), "unknown %s '%.*s%s'", what, n, name, more);
	return -ENOENT;
}
