/* expr.c: the --when expressions of flightrec trigger: a tokenizer and a
 * recursive-descent parser for the grammar in expr.h, and the formatting of
 * values and conditions back to text.
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

#include "detect/expr.h"
#include "base/util.h"

/* Thresholds above this (in base units) are nonsense for every kind, and
 * keeping them below 2^63 keeps their text short and free of exponents. */
#define MAX_VALUE	1e18
/* Durations: up to a day, in ns. */
#define MAX_DURATION_NS	(24 * 3600 * 1e9)
/* A number literal: at most this many characters and this many significant
 * decimals. The limits keep strtod exact enough and let fr_cond_format
 * always write a literal the parser takes back. */
#define MAX_NUM_LEN	40
#define MAX_DECIMALS	9

#define EXAMPLES "e.g. --when 'cpu.sys > 45%' or --when 'memburst.anon rises 1GB in 10s for 5s'"

enum tok_type { T_END, T_IDENT, T_NUM, T_OP };

struct tok {
	enum tok_type type;
	size_t pos, len;	/* the whole token: a number with its unit */
	size_t nlen;		/* T_NUM: the digits, from pos */
	size_t upos, ulen;	/* T_NUM: the unit; ulen 0 if there is none */
	double val;		/* T_NUM */
	enum fr_cmp cmp;	/* T_OP */
};

struct parser {
	const char *src;
	size_t off;		/* where the next token starts */
	struct tok t;		/* the current token */
	struct fr_expr_error *err;
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

static double dabs(double v)
{
	return v < 0 ? -v : v;
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

/* Check the digits of the number token t (an optional '-', digits, at most
 * one '.' between digits) and read its value. */
static int lex_number(struct parser *p, struct tok *t)
{
	const char *s = p->src + t->pos;
	char copy[MAX_NUM_LEN + 1], *end;
	size_t i = 0, digits = 0, decimals = 0, dot = 0;

	if (s[i] == '-')
		i++;
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
	if (decimals > MAX_DECIMALS)
		return fail(p, t->pos, t->nlen, "too many decimals (at most %d)", MAX_DECIMALS);
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
		for (j = i; is_ident(s[j]); j++)
			;
		t->type = T_IDENT;
		t->len = j - i;
	} else if (is_digit(c) || (c == '.' && is_digit(s[i + 1])) ||
		   (c == '-' && (is_digit(s[i + 1]) || (s[i + 1] == '.' && is_digit(s[i + 2]))))) {
		t->type = T_NUM;
		for (j = i + 1; is_digit(s[j]) || s[j] == '.'; j++)
			;
		t->nlen = j - i;
		if (s[j] == '%') {
			t->upos = j++;
			t->ulen = 1;
		} else if (is_alpha(s[j])) {
			for (t->upos = j; is_unit(s[j]); j++)
				;
			t->ulen = j - t->upos;
		} else {
			/* "45 %", "500 MB/s": a word after a space is the unit
			 * unless it is a keyword or a metric name */
			size_t k = j, u;

			while (is_space(s[k]))
				k++;
			if (s[k] == '%') {
				t->upos = k;
				t->ulen = 1;
				j = k + 1;
			} else if (is_alpha(s[k])) {
				for (u = k; is_unit(s[u]); u++)
					;
				if (!is_keyword(s + k, u - k) && !memchr(s + k, '.', u - k)) {
					t->upos = k;
					t->ulen = u - k;
					j = u;
				}
			}
		}
		t->len = j - i;
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
		return fail(p, i, 1, "parentheses are not supported: join conditions with 'and'");
	} else if (c == '&' || c == '|') {
		return fail(p, i, s[i + 1] == c ? 2 : 1, "join conditions with 'and'");
	} else if (c > ' ' && c < 0x7f) {
		return fail(p, i, 1, "unexpected character '%c'", c);
	} else {
		return fail(p, i, 1, "unexpected byte 0x%02x", c);
	}
	p->off = t->pos + t->len;
	return 0;
}

/* A threshold rounded to MAX_DECIMALS decimals of its base unit, which is
 * more than any metric resolves. Then the base unit always has a spelling
 * that parses back to exactly the threshold (printf's rounding to as many
 * decimals gives it back), so fr_cond_format never loses a digit and
 * normalising a normalised expression changes nothing. */
static double canon(double v)
{
	char buf[64];

	if (!(dabs(v) <= MAX_VALUE))
		return v;
	snprintf(buf, sizeof(buf), "%.*f", MAX_DECIMALS, v);
	return strtod(buf, NULL);
}

/* Units. Sizes are powers of 1024 whatever the spelling: K, KB and KiB are
 * the same, as everywhere else in flightrec. */
struct unit {
	const char *name;
	double mult;
};

static const struct unit time_units[] = {
	{ "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
};
static const struct unit duration_units[] = {
	{ "h", 3600e9 }, { "m", 60e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
};
static const struct unit byte_units[] = {
	{ "TB", 1099511627776.0 }, { "GB", 1073741824.0 }, { "MB", 1048576.0 }, { "KB", 1024.0 },
	{ "B", 1 },
};

static double unit_find(const struct unit *u, size_t n, const char *s, size_t len)
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
	       unit_find(duration_units, FR_ARRAY_SIZE(duration_units), s, len);
}

/* The value token as a threshold of metric m, in base units. */
static int parse_value(struct parser *p, const struct fr_metric_def *m, bool rise, double *out)
{
	const struct tok *t = &p->t;
	const char *u = p->src + t->upos, *name = m->name;
	size_t ulen = t->ulen, epos = ulen ? t->upos : t->pos, elen = ulen ? ulen : t->nlen;
	char unknown[48] = "", q[40];
	double mult = 0, v;

	if (t->type != T_NUM) {
		static const char *const example[] = {
			[FR_KIND_PERCENT] = "45%", [FR_KIND_TIME] = "5ms", [FR_KIND_BYTES] = "1GB",
			[FR_KIND_RATE] = "200MB/s", [FR_KIND_COUNT] = "3",
		};

		if (t->type == T_END)
			return fail(p, t->pos, t->len, "expected a value for %s, e.g. %s", name,
				    example[m->kind]);
		return fail(p, t->pos, t->len, "expected a value for %s, e.g. %s, not %s", name,
			    example[m->kind], quote(p, t, q, sizeof(q)));
	}
	if (ulen && !unit_known(u, ulen))
		snprintf(unknown, sizeof(unknown), "unknown unit '%.*s'; ",
			 (int)(ulen > 16 ? 16 : ulen), u);
	switch (m->kind) {
	case FR_KIND_PERCENT:
		mult = !ulen || word_is(u, ulen, "%") ? 1 : 0;
		if (!mult)
			return fail(p, epos, elen, "%s%s is a percentage: write e.g. 45%%", unknown,
				    name);
		break;
	case FR_KIND_TIME:
		if (!ulen)
			return fail(p, epos, elen, "%s is a time: give a unit, e.g. 5ms", name);
		mult = unit_find(time_units, FR_ARRAY_SIZE(time_units), u, ulen);
		if (!mult)
			return fail(p, epos, elen, "%s%s is a time: use ns, us, ms or s, e.g. 5ms",
				    unknown, name);
		break;
	case FR_KIND_BYTES:
		if (!ulen)
			return fail(p, epos, elen, "%s is a size: give a unit, e.g. 1GB", name);
		if (is_rate_unit(u, ulen))
			return fail(p, epos, elen, "%s is a size, not a rate: write e.g. 1GB",
				    name);
		mult = bytes_mult(u, ulen);
		if (!mult)
			return fail(p, epos, elen,
				    "%s%s is a size: use B, KB, MB, GB or TB, e.g. 1GB", unknown,
				    name);
		break;
	case FR_KIND_RATE:
		if (ulen && is_rate_unit(u, ulen))
			mult = bytes_mult(u, ulen - 2);
		if (!mult)
			return fail(p, epos, elen, "%s%s is a rate: write e.g. 200MB/s", unknown,
				    name);
		break;
	case FR_KIND_COUNT:
		if (ulen)
			return fail(p, epos, elen, "%s%s is a count: write a plain number, e.g. 3",
				    unknown, name);
		mult = 1;
		break;
	}
	v = canon(t->val * mult);
	if (rise && v <= 0)
		return fail(p, t->pos, t->len, "a rise must be more than 0");
	if (v < 0)
		return fail(p, t->pos, t->len, "%s cannot be negative", name);
	if (m->kind == FR_KIND_PERCENT && v > 100)
		return fail(p, t->pos, t->len, "%s is a percentage: at most 100%%", name);
	if (v > MAX_VALUE)
		return fail(p, t->pos, t->len, "value too large for %s", name);
	*out = v;
	return next(p);
}

/* The duration after 'in' (window) or 'for', in ns. */
static int parse_duration(struct parser *p, const char *after, bool window, uint64_t *out)
{
	const struct tok *t = &p->t;
	double mult, ns;
	char q[40];

	if (t->type != T_NUM)
		return fail(p, t->pos, t->len, "expected a duration after '%s', e.g. %s%s%s", after,
			    window ? "10s" : "5s", t->type == T_END ? "" : ", not ",
			    t->type == T_END ? "" : quote(p, t, q, sizeof(q)));
	if (!t->ulen)
		return fail(p, t->pos, t->nlen, "a duration needs a unit, e.g. 5s");
	mult = unit_find(duration_units, FR_ARRAY_SIZE(duration_units), p->src + t->upos, t->ulen);
	if (!mult)
		return fail(p, t->upos, t->ulen,
			    "unknown duration unit '%.*s': use ns, us, ms, s, m or h",
			    (int)(t->ulen > 16 ? 16 : t->ulen), p->src + t->upos);
	if (t->val < 0)
		return fail(p, t->pos, t->len, "a duration cannot be negative");
	ns = t->val * mult;
	if (ns > MAX_DURATION_NS)
		return fail(p, t->pos, t->len, "durations are limited to 24h");
	*out = (uint64_t)(ns + 0.5);
	if (window && !*out)
		return fail(p, t->pos, t->len, "the window must be longer than 0");
	return next(p);
}

static int parse_cond(struct parser *p, struct fr_cond *c)
{
	const struct fr_metric_def *m, *hint;
	const char *name = p->src + p->t.pos;
	size_t len = p->t.len;
	char q[40];

	if (p->t.type != T_IDENT || is_keyword(name, len))
		return fail(p, p->t.pos, p->t.len, "expected a metric name, e.g. cpu.sys, not %s",
			    quote(p, &p->t, q, sizeof(q)));
	m = fr_metric_find(name, len);
	if (!m) {
		int n = len > 40 ? 40 : (int)len;
		const char *more = len > 40 ? "..." : "";

		hint = fr_metric_suggest(name, len);
		if (hint)
			return fail(p, p->t.pos, len, "unknown metric '%.*s%s' (did you mean %s?); "
				    "see flightrec trigger --list", n, name, more, hint->name);
		return fail(p, p->t.pos, len,
			    "unknown metric '%.*s%s'; see flightrec trigger --list", n, name, more);
	}
	c->metric = m;
	if (next(p))
		return -EINVAL;
	if (p->t.type == T_OP) {
		c->cmp = p->t.cmp;
		if (next(p) || parse_value(p, m, false, &c->threshold))
			return -EINVAL;
	} else if (tok_is(p, "rises")) {
		c->rise = true;
		c->cmp = FR_CMP_GE;
		if (next(p) || parse_value(p, m, true, &c->threshold))
			return -EINVAL;
		if (!tok_is(p, "in"))
			return fail(p, p->t.pos, p->t.len,
				    "'rises' needs a window: add e.g. 'in 10s'");
		if (next(p) || parse_duration(p, "in", true, &c->window_ns))
			return -EINVAL;
	} else if (m->kind == FR_KIND_COUNT &&
		   (p->t.type == T_END || tok_is(p, "and") || tok_is(p, "for"))) {
		/* "events.crash": any at all */
		c->cmp = FR_CMP_GT;
		c->threshold = 0;
	} else {
		return fail(p, p->t.pos, p->t.len,
			    "expected a comparison (>, >=, <, <=) or 'rises' after '%s'", m->name);
	}
	if (tok_is(p, "for") && (next(p) || parse_duration(p, "for", false, &c->for_ns)))
		return -EINVAL;
	return 0;
}

/* What to say about a token where 'and' or the end should be. */
static int fail_trailing(struct parser *p, const struct fr_cond *c)
{
	const struct tok *t = &p->t;
	const char *s = p->src + t->pos;
	char q[40];

	if (tok_is(p, "for"))
		return fail(p, t->pos, t->len, "'for' is given twice");
	if (tok_is(p, "in"))
		return fail(p, t->pos, t->len, c->rise ? "'in' is given twice" :
			    "'in' goes with 'rises', e.g. 'memburst.anon rises 1GB in 10s'");
	if (tok_is(p, "rises") || t->type == T_OP)
		return fail(p, t->pos, t->len,
			    "one comparison per condition: join more with 'and'");
	if (t->type == T_IDENT && (word_is(s, t->len, "or") || word_is(s, t->len, "OR")))
		return fail(p, t->pos, t->len,
			    "'or' is not supported: conditions are joined with 'and'");
	if (t->type == T_IDENT && t->len == 3 && (s[0] | 0x20) == 'a' && (s[1] | 0x20) == 'n' &&
	    (s[2] | 0x20) == 'd')
		return fail(p, t->pos, t->len, "write 'and' in lower case");
	return fail(p, t->pos, t->len, "expected 'and' or the end, not %s",
		    quote(p, t, q, sizeof(q)));
}

int fr_expr_parse(const char *src, struct fr_expr *e, struct fr_expr_error *err)
{
	struct fr_expr_error dummy;
	struct parser p = { .src = src ? src : "", .err = err ? err : &dummy };
	size_t used = 0;

	memset(e, 0, sizeof(*e));
	memset(p.err, 0, sizeof(*p.err));
	if (next(&p))
		return -EINVAL;
	if (p.t.type == T_END)
		return fail(&p, p.t.pos, 1,
			    "empty expression: give a condition, e.g. cpu.sys > 45%%");
	for (;;) {
		if (e->n == FR_EXPR_MAX_CONDS)
			return fail(&p, p.t.pos, p.t.len, "too many conditions (at most %d)",
				    FR_EXPR_MAX_CONDS);
		if (parse_cond(&p, &e->conds[e->n]))
			return -EINVAL;
		e->n++;
		if (p.t.type == T_END)
			break;
		if (!tok_is(&p, "and"))
			return fail_trailing(&p, &e->conds[e->n - 1]);
		if (next(&p))
			return -EINVAL;
		if (p.t.type == T_END)
			return fail(&p, p.t.pos, 1, "expected a condition after 'and'");
	}
	for (unsigned i = 0; i < e->n; i++) {
		char buf[160];
		int n;

		fr_cond_format(&e->conds[i], buf, sizeof(buf));
		n = snprintf(e->text + used, sizeof(e->text) - used, "%s%s", i ? " and " : "", buf);
		if (n < 0 || (size_t)n >= sizeof(e->text) - used)
			return fail(&p, 0, strlen(p.src), "expression too long");
		used += n;
	}
	return 0;
}

/* Print src with every byte one column wide, so the carets line up. */
static void put_src(FILE *f, const char *src)
{
	for (const unsigned char *s = (const unsigned char *)src; *s; s++)
		fputc(*s == '\t' ? ' ' : *s < ' ' || *s >= 0x7f ? '?' : *s, f);
}

void fr_expr_print_error(FILE *f, const char *src, const struct fr_expr_error *err)
{
	size_t n, pos, len;

	if (!src)
		src = "";
	n = strlen(src);
	pos = err->pos < n ? err->pos : n;
	len = err->len ? err->len : 1;
	if (pos < n && len > n - pos)
		len = n - pos;
	if (pos == n)
		len = 1;
	fputs("bad --when '", f);
	put_src(f, src);
	fprintf(f, "': %s\n  ", err->msg);
	put_src(f, src);
	fputs("\n  ", f);
	for (size_t i = 0; i < pos; i++)
		fputc(' ', f);
	for (size_t i = 0; i < len; i++)
		fputc('^', f);
	fputs("\n  " EXAMPLES "\n", f);
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
static const char *fmt_scaled(double v, const struct unit *u, size_t n, double ratio,
			      const char *suffix, char *buf, size_t len)
{
	size_t i = 0;

	while (i + 1 < n && dabs(v) < u[i].mult)
		i++;
	for (;;) {
		double x = v / u[i].mult, a = dabs(x);
		char num[48];

		snprintf(num, sizeof(num), "%.*f", a >= 100 ? 0 : a >= 10 ? 1 : 2, x);
		trim(num);
		/* 999.7us rounds to 1000us: say 1ms */
		if (i > 0 && dabs(strtod(num, NULL)) >= ratio) {
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
		return fmt_scaled(v, time_units, FR_ARRAY_SIZE(time_units), 1000, "", buf, len);
	case FR_KIND_BYTES:
		return fmt_scaled(v, byte_units, FR_ARRAY_SIZE(byte_units), 1024, "", buf, len);
	case FR_KIND_RATE:
		return fmt_scaled(v, byte_units, FR_ARRAY_SIZE(byte_units), 1024, "/s", buf, len);
	case FR_KIND_COUNT:
		break;
	}
	if (dabs(v) >= 9e15 || v == (double)(long long)v)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

/* v / mult with as few decimals as the parser needs to arrive at v exactly;
 * false if none of up to MAX_DECIMALS do. In the base unit (mult 1) that
 * always works for a threshold the parser made, since canon() made it. */
static bool fmt_exact(double v, double mult, char *buf, size_t len)
{
	for (int prec = 0; prec <= MAX_DECIMALS; prec++) {
		snprintf(buf, len, "%.*f", prec, v / mult);
		if (canon(strtod(buf, NULL) * mult) == v)
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
	const struct unit *u;
	const char *suffix = "";
	char best[64] = "", num[40];
	size_t n, blen = 0;

	switch (kind) {
	case FR_KIND_TIME:
		u = time_units;
		n = FR_ARRAY_SIZE(time_units);
		break;
	case FR_KIND_RATE:
		suffix = "/s";
		/* fall through */
	case FR_KIND_BYTES:
		u = byte_units;
		n = FR_ARRAY_SIZE(byte_units);
		break;
	default:
		/* percent and count have one unit; fmt_exact fails only for
		 * thresholds the parser did not make */
		if (!fmt_exact(v, 1, num, sizeof(num)))
			snprintf(num, sizeof(num), "%.*f", MAX_DECIMALS, v);
		snprintf(buf, len, "%s%s", num, kind == FR_KIND_PERCENT ? "%" : "");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char cand[64];
		size_t clen;

		/* 0 is "0B" rather than "0TB" */
		if (i + 1 < n && (!v || !fmt_exact(v, u[i].mult, num, sizeof(num))))
			continue;
		/* the base unit always has a spelling (see canon) */
		if (i + 1 == n && !fmt_exact(v, 1, num, sizeof(num)))
			snprintf(num, sizeof(num), "%.*f", MAX_DECIMALS, v);
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

	if (!c->metric) {
		snprintf(buf, len, "?");
		return buf;
	}
	fmt_threshold(c->metric->kind, c->threshold, v, sizeof(v));
	if (c->for_ns) {
		memcpy(f, " for ", 6);
		fmt_duration(c->for_ns, f + 5, sizeof(f) - 5);
	}
	if (c->rise) {
		fmt_duration(c->window_ns, w, sizeof(w));
		snprintf(buf, len, "%s rises %s in %s%s", c->metric->name, v, w, f);
	} else {
		snprintf(buf, len, "%s %s %s%s", c->metric->name, fr_cmp_name(c->cmp), v, f);
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
