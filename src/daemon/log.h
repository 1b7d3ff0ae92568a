/* Logging for journald: "<N>" priority prefixes on stderr, one line per message.
 * The level is checked before anything is formatted. */
#ifndef HP_DAEMON_LOG_H
#define HP_DAEMON_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

extern int hp_log_level; /* the only mutable global: set once at start from the config */

void hp_log_write(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define hp_log(priority, ...)                                                                      \
	do {                                                                                       \
		if ((priority) <= hp_log_level)                                                    \
			hp_log_write((priority), __VA_ARGS__);                                     \
	} while (0)

/* Rate limiting for link errors: at most one message per interval for one
 * problem, with a count of the ones held back, and one line when it clears. */
struct hp_log_limit {
	int64_t last_ms;
	uint64_t suppressed;
	bool failing;
};

/* True when a message for this problem may be logged now (and then prints the
 * number suppressed since the last one through hp_log). */
bool hp_log_limited(struct hp_log_limit *l, int64_t now_ms, int64_t interval_ms);
/* The problem cleared: true once, so recovery is logged once. */
bool hp_log_recovered(struct hp_log_limit *l);

#endif
