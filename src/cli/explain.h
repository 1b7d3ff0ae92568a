/* `hanp1d decode --explain`: the human walk through each frame. Lines go to
 * standard output, each starting with '#', so the JSON lines stay parseable. */
#ifndef HP_CLI_EXPLAIN_H
#define HP_CLI_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "hanp1d/decode.h"

void hp_explain_line(void *ctx, int depth, const char *text);
void hp_explain_input(const char *path, bool hex, size_t len);
void hp_explain_error(const struct hp_error *e);
void hp_explain_summary(const struct hp_decoder_stats *st);

#endif
