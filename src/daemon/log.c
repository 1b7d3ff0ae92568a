/* journald-friendly logging. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int hp_log_level = LOG_INFO;

void hp_log_write(int priority, const char *fmt, ...)
{
	/* One buffer and one write, so lines from threads do not interleave. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "<%d>", priority);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

bool hp_log_limited(struct hp_log_limit *l, int64_t now_ms, int64_t interval_ms)
{
	l->failing = true;
	if (l->last_ms != 0 && now_ms - l->last_ms < interval_ms) {
		l->suppressed++;
		return false;
	}
	if (l->suppressed > 0)
		hp_log(LOG_NOTICE, "(%llu similar messages suppressed)",
		       (unsigned long long)l->suppressed);
	l->last_ms = now_ms;
	l->suppressed = 0;
	return true;
}

bool hp_log_recovered(struct hp_log_limit *l)
{
	if (!l->failing)
		return false;
	l->failing = false;
	l->last_ms = 0;
	l->suppressed = 0;
	return true;
}
