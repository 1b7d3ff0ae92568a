/* The daemon: config -> store, state, HTTP, and per meter a ring, a source thread
 * and a decoder; the main thread is the parser, the store's writer and the
 * systemd notifier. */
#ifndef HP_DAEMON_DAEMON_H
#define HP_DAEMON_DAEMON_H

#include "config.h"

/* Runs until SIGTERM or SIGINT; returns the process exit status. */
int hp_daemon_run(const struct hp_config *cfg);

#endif
