/* Salted PBKDF2-HMAC-SHA256 password hashes in passlib's string form (passwd.h). */
#include "passwd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define PREFIX "$pbkdf2-sha256$"
/* 128 bits of salt: passlib's default and NIST SP 800-132's minimum. */
#define SALT_LEN 16
/* Salts that other tools may have chosen, bounded so that parsing needs no allocation. */
#define SALT_MIN 8
#define SALT_MAX 64
/* The checksum is one SHA-256 block of derived key. */
#define CHECKSUM_LEN 32
/* Base64 of SALT_MAX bytes with padding, and its NUL. */
#define B64_MAX (((SALT_MAX + 2) / 3) * 4 + 1)
/* Digits of HP_PASSWD_ROUNDS_MAX. */
#define ROUNDS_DIGITS_MAX 8
/* A password typed or piped to `hanp1d passwd`; Basic auth headers are far shorter. */
#define PASSWORD_MAX 1024

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct parsed_hash {
	unsigned long rounds;
	uint8_t salt[SALT_MAX];
	size_t salt_len;
	uint8_t checksum[CHECKSUM_LEN];
};

static bool is_ab64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '/';
}

/* passlib's base64: standard alphabet with '.' for '+', no padding. */
static void ab64_encode(const uint8_t *in, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (char *p = out; *p != '\0'; p++)
		if (*p == '+')
			*p = '.';
}

/* Decodes exactly len characters of ab64 into out (room for max bytes); returns the
 * number of bytes, or -1. */
static int ab64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	if (len % 4 == 1 || len == 0)
		return -1;
	char b64[B64_MAX];
	size_t padded = (len + 3) / 4 * 4;
	if (padded >= sizeof(b64))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!is_ab64(in[i]))
			return -1;
		b64[i] = in[i] == '.' ? '+' : in[i];
	}
	for (size_t i = len; i < padded; i++)
		b64[i] = '=';
	uint8_t buf[SALT_MAX + 3];
	int n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)padded);
	if (n < 0)
		return -1;
	size_t bytes = (size_t)n - (padded - len); /* EVP_DecodeBlock counts padding as 0s */
	if (bytes > max)
		return -1;
	memcpy(out, buf, bytes);
	return (int)bytes;
}

static int parse_rounds(const char *s, size_t len, unsigned long *rounds)
{
	if (len == 0 || len > ROUNDS_DIGITS_MAX || s[0] == '0')
		return -1;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < HP_PASSWD_ROUNDS_MIN || v > HP_PASSWD_ROUNDS_MAX)
		return -1;
	*rounds = v;
	return 0;
}

static int parse_hash(const char *hash, struct parsed_hash *p)
{
	if (hash == NULL || strncmp(hash, PREFIX, strlen(PREFIX)) != 0)
		return -1;
	const char *rounds = hash + strlen(PREFIX);
	const char *salt = strchr(rounds, '$');
	if (salt == NULL || parse_rounds(rounds, (size_t)(salt - rounds), &p->rounds) != 0)
		return -1;
	salt++;
	const char *sum = strchr(salt, '$');
	if (sum == NULL)
		return -1;
	int n = ab64_decode(salt, (size_t)(sum - salt), p->salt, sizeof(p->salt));
	if (n < SALT_MIN)
		return -1;
	p->salt_len = (size_t)n;
	sum++;
	n = ab64_decode(sum, strlen(sum), p->checksum, sizeof(p->checksum));
	return n == CHECKSUM_LEN ? 0 : -1;
}

static int derive(const char *password, const uint8_t *salt, size_t salt_len, unsigned long rounds,
		  uint8_t out[CHECKSUM_LEN])
{
	int ok = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
				   (int)rounds, EVP_sha256(), CHECKSUM_LEN, out);
	return ok == 1 ? 0 : -1;
}

int hp_passwd_hash(const char *password, char *out, size_t size)
{
	uint8_t salt[SALT_LEN], sum[CHECKSUM_LEN];
	char salt64[B64_MAX], sum64[B64_MAX];
	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    derive(password, salt, sizeof(salt), HP_PASSWD_ROUNDS, sum) != 0)
		return -1;
	ab64_encode(salt, sizeof(salt), salt64);
	ab64_encode(sum, sizeof(sum), sum64);
	OPENSSL_cleanse(sum, sizeof(sum));
	int n = snprintf(out, size, PREFIX "%d$%s$%s", HP_PASSWD_ROUNDS, salt64, sum64);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

bool hp_passwd_verify(const char *password, const char *hash)
{
	struct parsed_hash p;
	uint8_t sum[CHECKSUM_LEN];
	if (password == NULL || parse_hash(hash, &p) != 0 ||
	    derive(password, p.salt, p.salt_len, p.rounds, sum) != 0)
		return false;
	bool same = CRYPTO_memcmp(sum, p.checksum, sizeof(sum)) == 0;
	OPENSSL_cleanse(sum, sizeof(sum));
	return same;
}

bool hp_passwd_valid(const char *hash)
{
	struct parsed_hash p;
	return parse_hash(hash, &p) == 0;
}

/* ---- `hanp1d passwd` ---- */

/* One line into buf without its line end; -1 at end of input or when too long. */
static int read_line(FILE *in, char *buf, size_t size)
{
	if (fgets(buf, (int)size, in) == NULL)
		return -1;
	size_t len = strlen(buf);
	bool whole = len > 0 && buf[len - 1] == '\n';
	if (!whole && !feof(in))
		return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

/* Why no password was read. */
enum { READ_OK = 0, READ_FAILED = -1, READ_DIFFERENT = -2 };

/* Reads from the terminal with echo off, the prompt on standard error. */
static int read_hidden(const char *prompt, char *buf, size_t size)
{
	struct termios saved, quiet;
	fputs(prompt, stderr);
	fflush(stderr);
	bool restore = tcgetattr(STDIN_FILENO, &saved) == 0;
	if (restore) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	int rc = read_line(stdin, buf, size);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	fputc('\n', stderr);
	return rc;
}

static int read_password(char *buf, size_t size)
{
	if (!isatty(STDIN_FILENO))
		return read_line(stdin, buf, size);
	char again[PASSWORD_MAX];
	if (read_hidden("Password: ", buf, size) != 0 ||
	    read_hidden("Password again: ", again, sizeof(again)) != 0)
		return -1;
	bool same = strcmp(buf, again) == 0;
	OPENSSL_cleanse(again, sizeof(again));
	return same ? READ_OK : READ_DIFFERENT;
}

static void passwd_usage(FILE *out)
{
	fputs("usage: hanp1d passwd\n"
	      "Reads a password (twice, without echo, from a terminal; else one line from\n"
	      "standard input) and prints a salted hash for [http] password_hash.\n",
	      out);
}

int hp_passwd_main(int argc, char **argv)
{
	if (argc > 1) {
		bool help = strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0;
		passwd_usage(help ? stdout : stderr);
		return help && argc == 2 ? EXIT_OK : EXIT_USAGE;
	}
	char password[PASSWORD_MAX];
	char hash[HP_PASSWD_HASH_LEN];
	int status = EXIT_FAILED;
	int rc = read_password(password, sizeof(password));
	if (rc == READ_DIFFERENT)
		fputs("hanp1d passwd: the passwords differ\n", stderr);
	else if (rc != READ_OK)
		fputs("hanp1d passwd: no password read (at most 1023 characters, one line)\n",
		      stderr);
	else if (password[0] == '\0')
		fputs("hanp1d passwd: the password is empty\n", stderr);
	else if (hp_passwd_hash(password, hash, sizeof(hash)) != 0)
		fputs("hanp1d passwd: cannot make a hash (no random numbers?)\n", stderr);
	else {
		printf("%s\n", hash);
		status = EXIT_OK;
	}
	OPENSSL_cleanse(password, sizeof(password));
	return status;
}
