/* Typed errors and the explain trace. */
#include <stdarg.h>
#include <stdio.h>

#include "hanp1d/decode.h"

const char *hp_error_name(enum hp_error_code code)
{
	static const char *const names[] = {
	    [HP_ERR_NONE] = "none",           [HP_ERR_CRC] = "crc",
	    [HP_ERR_TRUNCATED] = "truncated", [HP_ERR_AUTH] = "auth",
	    [HP_ERR_NO_KEY] = "no_key",       [HP_ERR_UNSUPPORTED] = "unsupported",
	    [HP_ERR_MALFORMED] = "malformed", [HP_ERR_NOISE] = "noise",
	};
	return names[code];
}

void hp_error_set(struct hp_error *e, enum hp_error_code code, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

/* One trace line; longer text is cut, which only shortens an explanation. */
#define TRACE_LINE_MAX 256

void hp_tracef(const struct hp_trace *t, int depth, const char *fmt, ...)
{
	if (t == NULL || t->line == NULL)
		return;
	char text[TRACE_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	t->line(t->ctx, depth, text);
}
