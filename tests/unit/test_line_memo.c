/* The kept serial setting: where the file goes, a save read back, and files that
 * must not be trusted (another device, a foreign or damaged file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "line_memo.h"

static void test_paths(void)
{
	char out[64];
	CHECK(hp_line_memo_path("/var/lib/hanp1d/history.db", "home", out, sizeof(out)));
	CHECK_STREQ(out, "/var/lib/hanp1d/line-home.txt");
	CHECK(hp_line_memo_path("history.db", "home", out, sizeof(out)));
	CHECK_STREQ(out, "./line-home.txt");
	CHECK(hp_line_memo_path("/history.db", "a", out, sizeof(out)));
	CHECK_STREQ(out, "/line-a.txt");
	CHECK(!hp_line_memo_path("/a/very/long/state/directory/name/history.db", "home", out, 20));
}

static void test_round_trip(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/line-home.txt", dir);
	struct hp_line_setting got = {0};
	CHECK(!hp_line_memo_load(path, "/dev/ttyUSB0", &got)); /* none yet */
	const enum hp_parity parities[] = {HP_PARITY_8N1, HP_PARITY_8E1, HP_PARITY_7E1};
	const unsigned bauds[] = {2400, 9600, 115200};
	for (int i = 0; i < 3; i++) {
		struct hp_line_setting at = {.baud = bauds[i], .parity = parities[i]};
		CHECK(hp_line_memo_save(path, "/dev/ttyUSB0", at) == 0);
		CHECK(hp_line_memo_load(path, "/dev/ttyUSB0", &got));
		CHECK_INT(got.baud, bauds[i]);
		CHECK_INT(got.parity, parities[i]);
		CHECK(!hp_line_memo_load(path, "/dev/ttyAMA0", &got));
	}
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	CHECK(access(tmp, F_OK) != 0); /* renamed over, nothing left behind */

	static const char *const untrusted[] = {
	    "",
	    "not ours at all\n",
	    "device=/dev/ttyUSB0\nbaud=9600\n",               /* no parity */
	    "device=/dev/ttyUSB0\nbaud=9600\nparity=9X2\n",   /* no such parity */
	    "device=/dev/ttyUSB0\nbaud=12\nparity=8N1\n",     /* no such rate */
	    "device=/dev/ttyUSB0\nbaud=banana\nparity=8N1\n", /* not a number */
	    "device=/dev/ttyUSB01\nbaud=9600\nparity=8N1\n",  /* another device */
	    "baud=9600\nparity=8N1\n",                        /* no device */
	};
	for (size_t i = 0; i < sizeof(untrusted) / sizeof(untrusted[0]); i++) {
		check_write_text(path, untrusted[i]);
		CHECK_MSG(!hp_line_memo_load(path, "/dev/ttyUSB0", &got), "case %zu", i);
	}
	/* Comments and unknown keys are skipped. */
	check_write_text(path, "# note\nfuture=1\ndevice=/dev/ttyUSB0\nparity=8E1\nbaud=2400\n");
	CHECK(hp_line_memo_load(path, "/dev/ttyUSB0", &got));
	CHECK_INT(got.baud, 2400);
	CHECK_INT(got.parity, HP_PARITY_8E1);
	unlink(path);
	/* A directory that is not there: an error, not a crash. */
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/no/such/line.txt", dir);
	CHECK(hp_line_memo_save(missing, "/dev/ttyUSB0", (struct hp_line_setting){9600, 0}) != 0);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/hp-memo-XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_paths();
	test_round_trip(dir);
	rmdir(dir);
	return check_report("line_memo");
}
