/* Password hashes: known passlib vectors, round trips, malformed strings, and the
 * `hanp1d passwd` command reading standard input. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "passwd.h"

/* The example in passlib's pbkdf2_sha256 documentation, for "password". */
static const char passlib_doc[] =
    "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M";
/* Made with Python's hashlib.pbkdf2_hmac: salt 00..0f, 1000 rounds, "correct horse". */
static const char hashlib_1000[] =
    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ";
/* Salt "saltsaltsaltsalt", 29000 rounds, a UTF-8 password with INI comment characters. */
static const char hashlib_utf8[] =
    "$pbkdf2-sha256$29000$c2FsdHNhbHRzYWx0c2FsdA$SUcjwJAXYxP5PP4qbvJ4sEwR35bqY7bOujeVp0yV1Ig";

static void test_known_vectors(void)
{
	CHECK(hp_passwd_valid(passlib_doc));
	CHECK(hp_passwd_verify("password", passlib_doc));
	CHECK(!hp_passwd_verify("Password", passlib_doc));
	CHECK(!hp_passwd_verify("password ", passlib_doc));
	CHECK(!hp_passwd_verify("", passlib_doc));
	CHECK(hp_passwd_verify("correct horse", hashlib_1000));
	CHECK(!hp_passwd_verify("correct horsf", hashlib_1000));
	CHECK(hp_passwd_verify("p\xc3\xa4ssw\xc3\xb6rd ;#", hashlib_utf8));
	CHECK(!hp_passwd_verify("passwort ;#", hashlib_utf8));
	CHECK(!hp_passwd_verify(NULL, hashlib_1000));
}

static void test_round_trip(void)
{
	char a[HP_PASSWD_HASH_LEN], b[HP_PASSWD_HASH_LEN];
	CHECK_INT(hp_passwd_hash("s3cret!", a, sizeof(a)), 0);
	CHECK_INT(hp_passwd_hash("s3cret!", b, sizeof(b)), 0);
	CHECK(strncmp(a, "$pbkdf2-sha256$100000$", 22) == 0);
	CHECK(strlen(a) < sizeof(a));
	CHECK(strcmp(a, b) != 0); /* fresh salt every time */
	CHECK(hp_passwd_valid(a));
	CHECK(hp_passwd_verify("s3cret!", a));
	CHECK(hp_passwd_verify("s3cret!", b));
	CHECK(!hp_passwd_verify("s3cret", a));
	CHECK(!hp_passwd_verify("s3cret!!", a));
	/* No character of the form is one an INI value would lose (";" or "#"). */
	CHECK(strpbrk(a, ";# \t=") == NULL);

	/* A flipped checksum character fails. Not the last one: its low bits are
	 * padding that base64 decoding ignores. */
	size_t inner = strlen(a) - 10;
	a[inner] = a[inner] == 'A' ? 'B' : 'A';
	CHECK(!hp_passwd_verify("s3cret!", a));

	char small[40];
	CHECK_INT(hp_passwd_hash("x", small, sizeof(small)), -1);
	CHECK_INT(hp_passwd_hash("", a, sizeof(a)), 0);
	CHECK(hp_passwd_verify("", a));
	CHECK(!hp_passwd_verify(" ", a));
}

static void test_malformed(void)
{
	static const char *const bad[] = {
	    "",
	    "password",
	    "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha1$1000$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$0$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$01000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$999$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$10000001$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKu"
	    "mGQ",
	    "$pbkdf2-sha256$-1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$1e3$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$1000",
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw",
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$",
	    "$pbkdf2-sha256$1000$$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    /* salt of 6 bytes: too short */
	    "$pbkdf2-sha256$1000$AAECAwQF$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    /* standard base64 '+' and '=' padding are not passlib's form */
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0O+w$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
	    /* checksum of 31 and 33 bytes, a length no base64 has, trailing text */
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKum",
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQAA",
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQA",
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ$",
	    "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
	    "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ ",
	    "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
	    "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
	    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o7FhT.2nQjwDCkRdyV8H9jSt1T.hIFbGB",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_MSG(!hp_passwd_valid(bad[i]), "valid: %s", bad[i]);
		CHECK_MSG(!hp_passwd_verify("correct horse", bad[i]), "verified: %s", bad[i]);
	}
	CHECK(!hp_passwd_valid(NULL));
	CHECK(!hp_passwd_verify("x", NULL));
}

/* A temporary file name under $TMPDIR (else the system's temporary directory). */
static void temp_name(char *buf, size_t size, const char *what)
{
	const char *dir = getenv("TMPDIR");
	snprintf(buf, size, "%s/hp-passwd-%s-XXXXXX", dir != NULL && *dir != '\0' ? dir : P_tmpdir,
		 what);
}

/* Runs `hanp1d passwd ARGS` with the given standard input; the output in out. */
static int run_passwd(int argc, char **argv, const char *input, char *out, size_t size)
{
	char in_path[512], out_path[512];
	temp_name(in_path, sizeof(in_path), "in");
	temp_name(out_path, sizeof(out_path), "out");
	int in_fd = mkstemp(in_path), out_fd = mkstemp(out_path);
	if (in_fd < 0 || out_fd < 0)
		return -100;
	if (write(in_fd, input, strlen(input)) != (ssize_t)strlen(input))
		return -100;
	close(in_fd);
	FILE *in = freopen(in_path, "r", stdin);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	int rc = in == NULL ? -100 : hp_passwd_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	ssize_t n = pread(out_fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(out_fd);
	unlink(in_path);
	unlink(out_path);
	return rc;
}

static void test_command(void)
{
	char out[256];
	char *plain[] = {"passwd", NULL};
	CHECK_INT(run_passwd(1, plain, "hunter2\n", out, sizeof(out)), 0);
	size_t len = strlen(out);
	CHECK(len > 0 && out[len - 1] == '\n');
	if (len > 0)
		out[len - 1] = '\0';
	CHECK(hp_passwd_valid(out));
	CHECK(hp_passwd_verify("hunter2", out));
	CHECK(!hp_passwd_verify("hunter2\n", out));

	/* CRLF and no final line end are both one password. */
	CHECK_INT(run_passwd(1, plain, "hunter2\r\n", out, sizeof(out)), 0);
	out[strcspn(out, "\n")] = '\0';
	CHECK(hp_passwd_verify("hunter2", out));
	CHECK_INT(run_passwd(1, plain, "hunter2", out, sizeof(out)), 0);
	out[strcspn(out, "\n")] = '\0';
	CHECK(hp_passwd_verify("hunter2", out));

	CHECK_INT(run_passwd(1, plain, "\n", out, sizeof(out)), 1);
	CHECK_STREQ(out, "");
	CHECK_INT(run_passwd(1, plain, "", out, sizeof(out)), 1);
	CHECK_STREQ(out, "");
	char big[1100];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(run_passwd(1, plain, big, out, sizeof(out)), 1);

	char *help[] = {"passwd", "--help", NULL};
	CHECK_INT(run_passwd(2, help, "", out, sizeof(out)), 0);
	CHECK(strstr(out, "usage: hanp1d passwd") != NULL);
	char *extra[] = {"passwd", "secret", NULL};
	CHECK_INT(run_passwd(2, extra, "", out, sizeof(out)), 2);
	CHECK_STREQ(out, "");
}

int main(void)
{
	test_known_vectors();
	test_round_trip();
	test_malformed();
	test_command();
	return check_report("passwd");
}
