/* DSMR telegram decoder: splits a delimited telegram into OBIS lines and their value
 * groups and hands each line to dsmr_apply.c (protocols-dsmr-serial.md (h)).
 *
 * One pass over the telegram. Most lines are "code(number*unit)" of a code with one
 * value: the fast path finds the code's row from its text (dsmr_obis.c), reads the
 * number and unit word-wise (dsmr_lex.h) and sets the field. Every other line takes
 * the general path: memchr finds the line and group ends, continuation lines are
 * joined, and the row's rule (dsmr_apply.c) reads the groups. A line that does not
 * parse is skipped and counted; only a telegram that is not DSMR at all fails. */
#include <string.h>

#include "dsmr.h"
#include "dsmr_apply.h"
#include "dsmr_lex.h"

/* A value split over lines is at most the hex-encoded 1024-character message. */
#define JOIN_MAX (2 * (HP_MESSAGE_MAX - 1))

/* Trace lines cost one branch when tracing is off. */
#define TRACE(w, ...)                                                                              \
	do {                                                                                       \
		if ((w)->trace != NULL)                                                            \
			hp_tracef((w)->trace, 2, __VA_ARGS__);                                     \
	} while (0)

/* The physical line being read. */
struct cursor {
	const char *p;    /* next unread byte */
	const char *le;   /* end of the line's text (before CR LF) */
	const char *next; /* start of the next line */
	const char *end;  /* end of the telegram */
};

struct walk {
	struct hp_dsmr_sink sink;
	const struct hp_trace *trace;
	unsigned lines, parsed, skipped;
	size_t join_used;
	char join[JOIN_MAX]; /* values that continue on the next line, joined */
};

static void cursor_line(struct cursor *c, const char *start)
{
	const char *lf = memchr(start, '\n', (size_t)(c->end - start));
	const char *le = lf ? lf : c->end;
	if (le > start && le[-1] == '\r')
		le--;
	c->p = start;
	c->le = le;
	c->next = lf ? lf + 1 : c->end;
}

static void add_group(struct hp_dsmr_line *ln, const char *p, size_t n)
{
	if (ln->ngroups < HP_DSMR_GROUPS_MAX) {
		ln->g[ln->ngroups].p = p;
		ln->g[ln->ngroups].n = n;
	}
	ln->ngroups++;
}

/* A group whose ')' is on a later line (DSMR 3 long 96.13.0 text): joins its pieces
 * without the line ends. A '(' before the ')' means the ')' is missing. */
static bool join_group(struct walk *w, struct cursor *c, struct hp_dsmr_line *ln)
{
	char *out = w->join + w->join_used;
	size_t room = JOIN_MAX - w->join_used, n = 0;
	const char *s = c->p + 1;
	for (;;) {
		const char *close = memchr(s, ')', (size_t)(c->le - s));
		const char *stop = close ? close : c->le;
		size_t k = (size_t)(stop - s);
		if (memchr(s, '(', k) || k > room - n)
			return false;
		memcpy(out + n, s, k);
		n += k;
		if (close) {
			c->p = close + 1;
			break;
		}
		if (c->next >= c->end || *c->next == '!')
			return false;
		cursor_line(c, c->next);
		s = c->p;
	}
	w->join_used += n;
	add_group(ln, out, n);
	return true;
}

/* The "(value)" groups after the code, including lines that continue the value:
 * a line starting with '(' (DSMR 2.2/3 gas) or a group left open. */
static bool read_groups(struct walk *w, struct cursor *c, struct hp_dsmr_line *ln)
{
	ln->ngroups = 0;
	w->join_used = 0;
	for (;;) {
		while (c->p < c->le) {
			if (*c->p != '(')
				return false;
			const char *close = memchr(c->p + 1, ')', (size_t)(c->le - c->p - 1));
			if (!close) {
				if (!join_group(w, c, ln))
					return false;
				continue;
			}
			add_group(ln, c->p + 1, (size_t)(close - c->p - 1));
			c->p = close + 1;
		}
		if (c->next < c->end && *c->next == '(') {
			cursor_line(c, c->next);
			continue;
		}
		if (ln->ngroups > HP_DSMR_GROUPS_MAX) {
			TRACE(w, "%.*s: %zu value groups, only the first %d used",
			      (int)ln->obis_len, ln->obis, ln->ngroups, HP_DSMR_GROUPS_MAX);
			ln->ngroups = HP_DSMR_GROUPS_MAX;
		}
		return ln->ngroups > 0;
	}
}

static void skip_line(struct walk *w, const char *start, const char *le, const char *why)
{
	w->skipped++;
	TRACE(w, "skipped line (%s): %.*s", why, (int)(le - start), start);
}

/* The end of the line that ends at s: CR LF, LF or the end of the telegram. NULL when
 * anything else follows, or when the next line continues this one ('('). */
static const char *line_end(const char *s, const char *end)
{
	if (end - s >= 2 && s[0] == '\r' && s[1] == '\n')
		s += 2; /* the usual case */
	else if (s < end && *s == '\n')
		s++;
	else if (s < end)
		return NULL;
	return s < end && *s == '(' ? NULL : s;
}

/* Fast path for the common line "code(number[*unit])" of a code with one value:
 * lexed and applied in one pass. NULL when the line has another shape; nothing is
 * applied then and the general path reads the line. */
static const char *number_line(struct walk *w, const char *p, const char *s, const char *end,
			       const struct hp_dsmr_obis *row)
{
	struct hp_dsmr_decimal d;
	const char *num = s + 1;
	if (!(s = hp_dsmr_decimal_scan(num, end, &d)))
		return NULL;
	uint64_t unit_key = 0;
	if (s < end && *s == '*') {
		/* Near the end of the text, or a long unit: the general path. */
		int n;
		if (end - s <= 8 || (n = hp_dsmr_unit_scan8(s + 1, &unit_key)) <= 0 ||
		    n > HP_DSMR_UNIT_MAX)
			return NULL;
		s += 1 + n;
	}
	if (s >= end || *s != ')')
		return NULL;
	size_t num_len = (size_t)(s - num);
	const char *next = line_end(s + 1, end);
	if (next == NULL)
		return NULL;
	w->parsed++;
	struct hp_dsmr_unit unit = {HP_DSMR_QTY_NONE, 0, ""};
	if (unit_key != 0)
		unit = hp_dsmr_unit_by_key(unit_key);
	if (unit.qty != HP_DSMR_QTY_NONE && unit.qty != row->qty) {
		TRACE(w, "%.*s (%.*s): unit does not fit, value dropped", (int)(num - 1 - p), p,
		      (int)num_len, num);
		return next;
	}
	double value = hp_dsmr_value(d.mant, d.exp10 + unit.exp10);
	hp_reading_set(w->sink.r, row->field, value);
	TRACE(w, "%.*s (%.*s) -> %s = %.10g", (int)(num - 1 - p), p, (int)num_len, num,
	      hp_num_key(row->field), value);
	return next;
}

/* Any line: its value groups (also on continuation lines), then the table row's
 * rule. s is just after the code. Returns the start of the next line. */
static const char *general_line(struct walk *w, const char *p, const char *s, const char *end,
				const struct hp_dsmr_obis *row, unsigned ch)
{
	struct cursor c = {.end = end};
	struct hp_dsmr_line ln;
	cursor_line(&c, p);
	const char *first_le = c.le, *first_next = c.next;
	ln.obis = p;
	ln.obis_len = (size_t)(s - p);
	c.p = s;
	if (!read_groups(w, &c, &ln)) {
		skip_line(w, p, first_le, "bad value groups");
		return first_next;
	}
	w->parsed++;
	if (!hp_dsmr_apply(&w->sink, row, ch, &ln))
		skip_line(w, p, first_le, "bad value");
	/* The cursor is on the last line the value used. */
	return c.next;
}

/* One line at p (not empty): returns the start of the next one. */
static const char *decode_line(struct walk *w, const char *p, const char *end)
{
	unsigned ch = 0;
	const char *s = NULL;
	w->lines++;
	const struct hp_dsmr_obis *row = hp_dsmr_obis_find_text(p, end, &ch, &s);
	if (row == NULL) {
		/* Not the usual text of a mapped code: parse it. */
		uint64_t key;
		unsigned f;
		s = hp_dsmr_obis_scan(p, end, &key, &f);
		if (s == NULL || s >= end || *s != '(') {
			const char *lf = memchr(p, '\n', (size_t)(end - p));
			const char *le = lf ? lf : end;
			skip_line(w, p, le > p && le[-1] == '\r' ? le - 1 : le, "no OBIS code");
			return lf ? lf + 1 : end;
		}
		/* A suffix other than *255 (EasyMeter) is a historical value: not mapped. */
		row = f == 255 ? hp_dsmr_obis_find(key, &ch) : NULL;
	}
	if (row != NULL && row->kind == HP_DSMR_NUM) {
		const char *next = number_line(w, p, s, end, row);
		if (next != NULL)
			return next;
	}
	return general_line(w, p, s, end, row, ch);
}

/* The lines between the identification line and the '!'. False when no '!' ends
 * them. */
static bool decode_body(struct walk *w, const char *p, const char *end)
{
	while (p < end) {
		/* Lines start with a digit: one test keeps '!' and empty lines aside. */
		if ((unsigned char)*p <= '!') {
			if (*p == '!')
				return true;
			if (*p == '\r' || *p == '\n') {
				p++; /* an empty line */
				continue;
			}
		}
		p = decode_line(w, p, end);
	}
	return false;
}

int hp_dsmr_decode(const uint8_t *telegram, size_t len, struct hp_reading *r, struct hp_error *err,
		   const struct hp_trace *trace)
{
	const char *t = (const char *)telegram, *end = t + len;
	if (len == 0 || t[0] != '/') {
		hp_error_set(err, HP_ERR_MALFORMED, "not a DSMR telegram: no '/' at the start");
		return -1;
	}
	const char *lf = memchr(t, '\n', len);
	if (!lf) {
		hp_error_set(err, HP_ERR_MALFORMED, "DSMR telegram without a line end");
		return -1;
	}
	size_t ident_len = (size_t)(lf - t) - 1;
	if (ident_len > 0 && t[ident_len] == '\r')
		ident_len--;
	hp_tracef(trace, 1, "DSMR identification: %.*s", (int)ident_len, t + 1);

	struct walk w; /* not zeroed: the join buffer is written before it is read */
	w.trace = trace;
	w.lines = w.parsed = w.skipped = 0;
	w.join_used = 0;
	hp_dsmr_sink_init(&w.sink, r, trace);
	hp_dsmr_set_model(r, t + 1, ident_len);
	if (!decode_body(&w, lf + 1, end)) {
		hp_error_set(err, HP_ERR_MALFORMED, "DSMR telegram without the closing '!'");
		return -1;
	}
	/* A telegram carries data: a header and '!' alone are line noise that
	 * happened to look like one (or a meter with nothing to say). */
	if (w.parsed == 0) {
		hp_error_set(err, HP_ERR_MALFORMED,
			     "DSMR telegram without one OBIS line (%u lines)", w.lines);
		return -1;
	}
	hp_dsmr_sink_finish(&w.sink);
	hp_tracef(trace, 1, "DSMR telegram: %u lines, %u skipped", w.lines, w.skipped);
	return 0;
}
