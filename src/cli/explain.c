/* The --explain printer. */
#include <stdio.h>

#include "explain.h"

void hp_explain_line(void *ctx, int depth, const char *text)
{
	(void)ctx;
	printf("#%*s %s\n", 2 * depth, "", text);
}

void hp_explain_input(const char *path, bool hex, size_t len)
{
	printf("# input %s: %s, %zu bytes\n", path, hex ? "hex text" : "raw bytes", len);
}

void hp_explain_error(const struct hp_error *e)
{
	printf("# probable cause: %s\n", hp_error_hint(e->code));
}

void hp_explain_summary(const struct hp_decoder_stats *st)
{
	printf("# summary: %llu bytes, %llu outside frames, %llu frames, %llu readings\n",
	       (unsigned long long)st->bytes, (unsigned long long)st->garbage_bytes,
	       (unsigned long long)st->frames, (unsigned long long)st->readings);
	for (int c = HP_ERR_CRC; c <= HP_ERR_NOISE; c++)
		if (st->errors[c] > 0)
			printf("#   %llu %s error(s)\n", (unsigned long long)st->errors[c],
			       hp_error_name((enum hp_error_code)c));
	if (st->ignored_apdus > 0)
		printf("#   %llu APDU(s) that carry no push data (polled-meter replies) ignored\n",
		       (unsigned long long)st->ignored_apdus);
	if (st->unauthenticated > 0)
		printf("#   %llu encrypted reading(s) not authenticated: no authentication key "
		       "given, so the tag was not checked\n",
		       (unsigned long long)st->unauthenticated);
}
