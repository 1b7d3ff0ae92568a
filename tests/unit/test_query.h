/* A query string for hp_api_handle in the API tests: "a=1&b=2" split into pairs
 * (no escapes: the tests write plain values), and the lookup the API calls. */
#ifndef HP_TEST_QUERY_H
#define HP_TEST_QUERY_H

#include <stdio.h>
#include <string.h>

struct query {
	char buf[256];
	const char *key[8], *value[8];
	int n;
};

static inline void parse_query(struct query *q, const char *text)
{
	snprintf(q->buf, sizeof(q->buf), "%s", text != NULL ? text : "");
	q->n = 0;
	char *save = NULL;
	for (char *p = strtok_r(q->buf, "&", &save); p != NULL && q->n < 8;
	     p = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(p, '=');
		q->key[q->n] = p;
		q->value[q->n] = eq != NULL ? eq + 1 : "";
		if (eq != NULL)
			*eq = '\0';
		q->n++;
	}
}

static inline const char *query_arg(void *ctx, const char *key)
{
	const struct query *q = ctx;
	for (int i = 0; i < q->n; i++)
		if (strcmp(q->key[i], key) == 0)
			return q->value[i];
	return NULL;
}

#endif
