/* The serial setting autodetection settled on, kept across restarts in a small
 * text file in the state directory, so a restarted daemon reads the meter at
 * once instead of listening through the candidates again (it still verifies the
 * setting as it reads, and detects again when it no longer fits). */
#ifndef HP_DAEMON_LINE_MEMO_H
#define HP_DAEMON_LINE_MEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "autodetect.h"

/* "<dir of store_path>/line-<meter>.txt"; false when it does not fit. */
bool hp_line_memo_path(const char *store_path, const char *meter, char *out, size_t size);

/* The setting saved for this device; false when there is none, it was saved for
 * another device, or the file is not one of ours. */
bool hp_line_memo_load(const char *path, const char *device, struct hp_line_setting *out);

/* Replaces the file atomically (a temporary file renamed over it). Returns 0, or -1
 * with errno set. */
int hp_line_memo_save(const char *path, const char *device, struct hp_line_setting at);

#endif
