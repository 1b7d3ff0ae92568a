/* A minimal assertion kit for the unit tests: each failed check prints where and
 * why, and the test's exit status says whether any check failed. */
#ifndef HP_TEST_CHECK_H
#define HP_TEST_CHECK_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_NEAR(actual, expected)                                                               \
	do {                                                                                       \
		double a_ = (actual), e_ = (expected);                                             \
		CHECK_MSG(fabs(a_ - e_) <= 1e-9 * fmax(1.0, fabs(e_)), "got %.12g, want %.12g",    \
			  a_, e_);                                                                 \
	} while (0)

#define CHECK_STREQ(actual, expected)                                                              \
	do {                                                                                       \
		const char *a_ = (actual), *e_ = (expected);                                       \
		CHECK_MSG(strcmp(a_, e_) == 0, "got \"%s\", want \"%s\"", a_, e_);                 \
	} while (0)

#define CHECK_INT(actual, expected)                                                                \
	do {                                                                                       \
		long long a_ = (long long)(actual), e_ = (long long)(expected);                    \
		CHECK_MSG(a_ == e_, "got %lld, want %lld", a_, e_);                                \
	} while (0)

/* Ends main(): prints the tally and gives the exit status. */
/* Writes len bytes to path (a test's fixture file); a failure is a failed check. */
static inline void check_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
	if (f == NULL)
		return;
	CHECK(fwrite(data, 1, len, f) == len);
	CHECK(fclose(f) == 0);
}

static inline void check_write_text(const char *path, const char *text)
{
	check_write_file(path, text, strlen(text));
}

static inline int check_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures == 0 ? 0 : 1;
}

#endif
