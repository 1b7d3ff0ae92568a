/* Salted password hashes for HTTP Basic auth: PBKDF2-HMAC-SHA256 (NIST SP 800-132)
 * from OpenSSL, which the core library links already. The string form is the one
 * Python's passlib writes for pbkdf2_sha256, so a hash can also be made elsewhere:
 *
 *   $pbkdf2-sha256$ROUNDS$SALT$CHECKSUM
 *
 * SALT (16 bytes) and CHECKSUM (32 bytes) in passlib's base64 ('.' for '+', no
 * padding). `hanp1d passwd` prints one; [http] password_hash takes it. */
#ifndef HP_DAEMON_PASSWD_H
#define HP_DAEMON_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

/* Rounds of a new hash. One verification costs about 25 ms on a desktop and a few
 * hundred on a Raspberry Pi: enough to slow an offline guesser who has the config,
 * few enough for a login. A server should remember a verified Authorization value
 * instead of verifying every request. */
#define HP_PASSWD_ROUNDS 100000
/* Accepted when parsing: fewer rounds than this are no protection; more than the
 * maximum would let a config make every login take minutes. */
#define HP_PASSWD_ROUNDS_MIN 1000
#define HP_PASSWD_ROUNDS_MAX 10000000
/* The longest hash string hp_passwd_hash writes, with its terminating NUL. */
#define HP_PASSWD_HASH_LEN 96

/* Hashes a password with a fresh random salt into out. 0, or -1 when out is too
 * small (HP_PASSWD_HASH_LEN is enough) or the random generator fails. */
int hp_passwd_hash(const char *password, char *out, size_t size);

/* True when the password matches the hash; the checksum is compared in constant
 * time. False for a malformed hash. */
bool hp_passwd_verify(const char *password, const char *hash);

/* True when the string parses as a hash hp_passwd_verify can check. */
bool hp_passwd_valid(const char *hash);

/* `hanp1d passwd`: reads a password (twice without echo from a terminal, or one
 * line from standard input) and prints its hash. Returns the exit status. */
int hp_passwd_main(int argc, char **argv);

#endif
