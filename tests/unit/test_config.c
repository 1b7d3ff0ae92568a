/* The configuration file: config texts written to temporary files, the problems
 * reported (count, line, message) and the values parsed; the shipped
 * etc/hanp1d.conf and the man page against the key tables.
 *
 * Usage: test_config [SOURCE_DIR] (default: found from this file's path, else the
 * working directory). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "config_keys.h"
#include "meters.h"
#include "passwd.h"

#define PROBLEMS_MAX 32
#define MSG_MAX      512
#define PATH_MAX_    1024

struct problem {
	int line;
	char msg[MSG_MAX];
};

struct problems {
	int count;
	char file[PATH_MAX_];
	struct problem p[PROBLEMS_MAX];
};

static char tmp_dir[PATH_MAX_ - 64];
static char conf_path[PATH_MAX_];
static char source_dir[PATH_MAX_];
static struct hp_config cfg;

static void collect(void *ctx, const char *file, int line, const char *msg)
{
	struct problems *ps = ctx;
	snprintf(ps->file, sizeof(ps->file), "%s", file);
	if (ps->count < PROBLEMS_MAX) {
		ps->p[ps->count].line = line;
		snprintf(ps->p[ps->count].msg, MSG_MAX, "%s", msg);
	}
	ps->count++;
}

/* Loads text as a config file; the problems in ps. */
static int load_bytes(const char *text, size_t len, struct problems *ps)
{
	memset(ps, 0, sizeof(*ps));
	check_write_file(conf_path, text, len);
	int n = hp_config_load(conf_path, &cfg, collect, ps);
	CHECK_INT(n, ps->count);
	CHECK(n == 0 || strcmp(ps->file, conf_path) == 0);
	CHECK_STREQ(cfg.file, conf_path);
	return n;
}

static int load(const char *text, struct problems *ps)
{
	return load_bytes(text, strlen(text), ps);
}

static void show(const char *legend, const struct problems *ps)
{
	for (int i = 0; i < ps->count && i < PROBLEMS_MAX; i++)
		fprintf(stderr, "  %s: line %d: %s\n", legend, ps->p[i].line, ps->p[i].msg);
}

/* Loads text and checks that it has no problem. */
static void load_ok(const char *legend, const char *text)
{
	struct problems ps;
	int n = load(text, &ps);
	CHECK_MSG(n == 0, "%s: %d problems", legend, n);
	if (n != 0)
		show(legend, &ps);
}

/* ---- files of problems ---- */

struct expect {
	int line;
	const char *text; /* found in the message */
};

struct bad_file {
	const char *legend;
	const char *conf;
	int problems;
	struct expect e[4];
};

/* A good meter on lines 1-2, so that the problems of a case are its own. */
#define METER "[meter m]\nsource = /dev/ttyUSB0\n"

static const struct bad_file bad_files[] = {
    {"no meter", "[http]\nenabled = yes\n", 1, {{0, "no [meter NAME] section"}}},
    {"empty file", "", 1, {{0, "no [meter NAME] section: the daemon needs at least one"}}},
    {"unknown section",
     METER "[influx]\nhost = localhost\nport = 8086\n",
     1,
     {{3, "unknown section [influx] (sections: [meter NAME], [http], [store], [daemon], "
	  "[mqtt], [prices], [price NAME], [modifier NAME])"}}},
    {"section near mqtt", METER "[mqt]\nhost = x\n", 1, {{3, "did you mean [mqtt]?"}}},
    {"mqtt key in another section",
     METER "[http]\nbase_topic = x\n",
     1,
     {{4, "'base_topic' belongs in [mqtt], not in [http]"}}},
    {"mqtt cert without key",
     METER "[mqtt]\ntls = yes\ncert_file = /etc/hostname\n",
     1,
     {{5, "cert_file needs a key_file in [mqtt]"}}},
    {"mqtt key without cert",
     METER "[mqtt]\ntls = yes\nkey_file = /etc/hostname\n",
     1,
     {{5, "key_file needs a cert_file in [mqtt]"}}},
    {"mqtt TLS files without tls",
     METER "[mqtt]\nca_file = /etc/hostname\ntls_insecure = yes\ntls = no\n",
     2,
     {{4, "ca_file is set but tls is off in [mqtt]"},
      {5, "tls_insecure is set but tls is off in [mqtt]"}}},
    {"mqtt password without username",
     METER "[mqtt]\nusername =\npassword = pw\n",
     1,
     {{5, "password needs a username in [mqtt]"}}},
    {"mqtt one base topic for two meters",
     METER "[meter n]\nsource = /dev/ttyUSB1\n[mqtt]\nbase_topic = p1\n",
     1,
     {{6, "base_topic needs <meter> when there is more than one meter"}}},
    {"section near http",
     METER "[htpp]\nlisten = 127.0.0.1:1\n",
     1,
     {{3, "unknown section [htpp]; did you mean [http]?"}}},
    {"section near meter",
     "[meters home]\nsource = /dev/ttyUSB0\n" METER,
     1,
     {{1, "unknown section [meters home]; did you mean [meter NAME]?"}}},
    {"key outside a section",
     "baud = 9600\n" METER,
     1,
     {{1, "'baud' is outside any section; put it under [meter NAME]"}}},
    {"unknown key, near",
     METER "bauds = 9600\n",
     1,
     {{3, "unknown key 'bauds' in [meter m]; did you mean 'baud'?"}}},
    {"unknown key, swapped letters",
     METER "kye = \n",
     1,
     {{3, "unknown key 'kye' in [meter m]; did you mean 'key'?"}}},
    {"unknown keys, one and two edits",
     METER "[store]\nstoreinterval = 5\ncomit_intervall = 9\n",
     2,
     {{4, "unknown key 'storeinterval' in [store]; did you mean 'store_interval'?"},
      {5, "unknown key 'comit_intervall' in [store]; did you mean 'commit_interval'?"}}},
    {"unknown key, three edits",
     METER "paritees = 8N1\n",
     1,
     {{3, "unknown key 'paritees' in [meter m]"}}},
    {"comment after a key name", METER "baud ; = 9600\n", 1, {{3, "expected KEY = VALUE"}}},
    {"unknown key, far", METER "colour = blue\n", 1, {{3, "unknown key 'colour' in [meter m]"}}},
    {"key of another section",
     METER "stale_after = 5\n[http]\nsource = /dev/ttyS0\n",
     2,
     {{3, "'stale_after' belongs in [daemon], not in [meter m]"},
      {5, "'source' belongs in [meter NAME], not in [http]"}}},
    {"key set twice",
     METER "baud = 9600\n\nbaud = 2400\n",
     1,
     {{5, "baud is set twice in [meter m] (first on line 3)"}}},
    {"key set twice across a repeated section",
     METER "[store]\nraw_days = 9\n[store]\n"
	   "raw_days = 10\n",
     1,
     {{6, "raw_days is set twice in [store] (first on line 4)"}}},
    {"duplicate meter",
     METER "[meter m]\nsource = /dev/ttyUSB1\nbaud = 7\n",
     2,
     {{3, "meter 'm' is defined twice (first on line 1)"}, {5, "baud: '7' is not auto"}}},
    {"meter without source",
     "[meter a]\nbaud = 9600\n[meter b]\n" METER "[meter c]\n",
     3,
     {{1, "[meter a] has no source (serial:DEVICE, tcp://HOST:PORT, replay:FILE, "
	  "sim:PROFILE or mep:DEVICE)"},
      {3, "[meter b] has no source"},
      {6, "[meter c] has no source"}}},
    {"meter without name",
     "[meter]\nsource = /dev/ttyUSB0\n" METER,
     1,
     {{1, "a meter section needs a name: [meter NAME]"}}},
    {"meter name with a slash",
     "[meter a/b]\nsource = /dev/ttyUSB0\n" METER,
     1,
     {{1, "meter name 'a/b' is not 1 to 31 letters, digits, '_' or '-'"}}},
    {"meter name of 32",
     "[meter abcdefghijklmnopqrstuvwxyz012345]\nsource = /dev/tty\n" METER,
     1,
     {{1, "is not 1 to 31 letters"}}},
    {"meter name with a space", "[meter a b]\n" METER, 1, {{1, "meter name 'a b' is not"}}},
    {"named http",
     METER "[http main]\nlisten = 127.0.0.1:1\n",
     1,
     {{3, "section [http] takes no name"}}},
    {"bad header checks its keys",
     "[meter]\nsource = nope\n" METER,
     2,
     {{1, "needs a name"}, {2, "source: 'nope' is not serial:DEVICE"}}},
    {"no closing bracket",
     METER "[store\npath = /x\n",
     1,
     {{3, "a section header needs a closing ']'"}}},
    {"not a key line",
     METER "baud 9600\n",
     1,
     {{3, "expected KEY = VALUE, a [section], or a comment"}}},
    {"no key name", METER "= 9600\n", 1, {{3, "expected KEY = VALUE"}}},
    {"unknown section keys ignored", "[foo]\na = 1\nb = 2\n" METER, 1, {{1, "[foo]"}}},
    {"auth without user and hash",
     METER "[http]\nauth = write\n",
     2,
     {{4, "auth = write needs a user in [http]"},
      {4, "auth = write needs a password_hash in [http] (`hanp1d passwd` makes one)"}}},
    {"auth all with empty user",
     METER "[http]\nauth = all\nuser =\npassword_hash =\n",
     2,
     {{4, "auth = all needs a user"}, {4, "auth = all needs a password_hash"}}},
    {"auth with a bad hash",
     METER "[http]\nauth = all\nuser = me\npassword_hash = x\n",
     1,
     {{6, "password_hash: not a hash from `hanp1d passwd`"}}},
    {"price rule without a price",
     METER "[price night]\ndays = mon-fri\nhours = 22-06\n",
     1,
     {{3, "[price night]: the rule sets no price: give import, export or both"}}},
    {"price rule with a bad price is not also priceless",
     METER "[price night]\nimport = cheap\n",
     1,
     {{4, "import: \"cheap\" is not a number"}}},
    {"modifier without a value",
     METER "[modifier vat]\noperation = percent\ndirection = import\n",
     1,
     {{3, "[modifier vat]: value: missing"}}},
    {"modifier without an operation or direction",
     METER "[modifier a]\nvalue = 1\n[modifier b]\noperation = add\nvalue = 1\n",
     3,
     {{3, "[modifier a]: operation: missing (add, percent, subtract or fixed)"},
      {3, "[modifier a]: direction: missing"},
      {5, "[modifier b]: direction: missing (import, export or both)"}}},
    {"empty modifier",
     METER "[modifier a]\n",
     3,
     {{3, "[modifier a]: operation: missing"},
      {3, "[modifier a]: direction: missing"},
      {3, "[modifier a]: value: missing"}}},
    {"price rule defined twice",
     METER "[price a]\nimport = 1\n[price a]\nimport = 2\n",
     1,
     {{5, "price 'a' is defined twice (first on line 3)"}}},
    {"modifier defined twice",
     METER "[modifier a]\noperation = add\ndirection = both\nvalue = 1\n"
	   "[modifier a]\n",
     1,
     {{7, "modifier 'a' is defined twice (first on line 3)"}}},
    {"price rule and modifier without names",
     METER "[price]\nimport = 1\n[modifier]\nvalue = x\n",
     3,
     {{3, "a price section needs a name: [price NAME]"},
      {5, "a modifier section needs a name: [modifier NAME]"},
      {6, "value: \"x\" is not a number"}}},
    {"price rule name with a space",
     METER "[price a b]\nimport = x\n",
     2,
     {{3, "price name 'a b' is not 1 to 31 letters"}, {4, "import: \"x\" is not a number"}}},
    {"named prices", METER "[prices nok]\n", 1, {{3, "section [prices] takes no name"}}},
    {"section near price", METER "[prise x]\n", 1, {{3, "did you mean [price NAME]?"}}},
    {"section near modifier", METER "[modifer x]\n", 1, {{3, "did you mean [modifier NAME]?"}}},
    {"price keys in other sections",
     METER "import = 1\n[http]\ncurrency = NOK\n[price a]\nimport = 1\nvalue = 2\n",
     3,
     {{3, "'import' belongs in [prices], not in [meter m]"},
      {5, "'currency' belongs in [prices], not in [http]"},
      {8, "'value' belongs in [modifier NAME], not in [price a]"}}},
    {"price rule key set twice",
     METER "[price a]\nimport = 1\nimport = 2\n",
     1,
     {{5, "import is set twice in [price a] (first on line 4)"}}},
    {"every problem found",
     "[meter a]\nbaud = x\nparity = x\n[http]\nlisten = x\n[store]\n"
     "raw_days = 0\n",
     5,
     {{1, "has no source"}, {2, "baud:"}, {3, "parity:"}, {5, "listen:"}}},
};

static bool has_problem(const struct problems *ps, const struct expect *e)
{
	for (int i = 0; i < ps->count && i < PROBLEMS_MAX; i++)
		if (ps->p[i].line == e->line && strstr(ps->p[i].msg, e->text) != NULL)
			return true;
	return false;
}

static void test_bad_files(void)
{
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct bad_file *b = &bad_files[i];
		struct problems ps;
		int n = load(b->conf, &ps);
		bool ok = n == b->problems;
		CHECK_MSG(n == b->problems, "%s: %d problems, want %d", b->legend, n, b->problems);
		for (size_t j = 0; j < 4 && b->e[j].text != NULL; j++) {
			bool found = has_problem(&ps, &b->e[j]);
			ok = ok && found;
			CHECK_MSG(found, "%s: no problem on line %d with \"%s\"", b->legend,
				  b->e[j].line, b->e[j].text);
		}
		if (!ok)
			show(b->legend, &ps);
	}
}

/* ---- every key with bad values ---- */

struct bad_value {
	const char *section; /* "" = the meter of METER */
	const char *key;
	const char *value;
	const char *text; /* the message, after "KEY: " */
};

static const struct bad_value bad_values[] = {
    {"", "baud", "9601", "'9601' is not auto or a standard rate (1200, 2400"},
    {"", "baud", "0", "'0' is not auto"},
    {"", "baud", "-9600", "is not auto"},
    {"", "baud", "9600.0", "is not auto"},
    {"", "baud", "", "'' is not auto"},
    {"", "parity", "8N2", "'8N2' is not one of auto, 8N1, 8E1, 7E1"},
    {"", "parity", "", "'' is not one of"},
    {"", "request_lines", "cts", "'cts' is not one of none, dtr, rts, both"},
    {"", "key", "0011223344556677", "expected 32 hex digits, the value has 16 characters"},
    {"", "key", "00112233445566778899aabbccddeeff00", "the value has 34 characters"},
    {"", "key", "0011223344556677889g", "the value has 20 characters"},
    {"", "key", "00112233445566778899aabbccddeegg",
     "expected 32 hex digits, the value has a character other than 0-9, a-f and A-F"},
    {"", "key", "0x112233445566778899aabbccddeeff", "a character other than"},
    {"", "auth_key", "00112233 44556677 8899aabb ccddeeff", "has 35 characters"},
    {"", "system_title", "4B464D1020000", "expected 16 hex digits, the value has 13"},
    {"", "system_title", "4B464D102000000Z", "a character other than"},
    {"", "mbk", "ABCDEFGHIJKLMNOPQRS", "expected the 20 characters of the meter's MBK"},
    {"", "mbk", "ABCDEFGHIJ KLMNOPQRS", "no spaces); got 20 characters"},
    {"", "enable_line", "dsr", "'dsr' is not one of none, dtr, rts, both"},
    {"", "poll_interval", "1", "'1' is not"},
    {"", "multiplier_power", "0", "'0' is not a number greater than 0 and at most 1000000"},
    {"", "multiplier_voltage", "-1", "'-1' is not a number greater than 0"},
    {"", "multiplier_current", "ten", "'ten' is not a number"},
    {"", "multiplier_energy", "inf", "'inf' is not a number"},
    {"", "multiplier_energy", "nan", "'nan' is not a number"},
    {"", "multiplier_energy", "1e7", "'1e7' is not a number"},
    {"", "multiplier_power", "", "'' is not a number"},
    {"", "multiplier_power", "2x", "'2x' is not a number"},
    {"", "main_fuse_a", "1000.5", "'1000.5' is not a number from 0 to 1000"},
    {"", "main_fuse_a", "-1", "'-1' is not a number from 0"},
    {"", "voltage", "240", "'240' is not 230 or 400 (the nominal voltage in volts)"},
    {"", "voltage", "230.0", "is not 230 or 400"},
    {"", "phases", "2", "'2' is not 1 or 3"},
    {"", "phases", "0", "'0' is not 1 or 3"},
    {"", "production_kwp", "-0.5", "'-0.5' is not a number from 0"},
    {"", "derive_u2", "maybe", "'maybe' is not yes/no, true/false, on/off or 1/0"},
    {"", "derive_u2", "2", "'2' is not yes/no"},
    {"", "source", "",
     "'' is not serial:DEVICE, a device path, tcp://HOST:PORT, "
     "replay:FILE[?speed=N], sim:PROFILE[?speed=N] or mep:DEVICE"},
    {"", "source", "COM3", "'COM3' is not serial:DEVICE"},
    {"", "source", "udp://127.0.0.1:1", "is not serial:DEVICE"},
    {"", "source", "serial:", "'serial:': the device must be an absolute path"},
    {"", "source", "serial:ttyUSB0", "the device must be an absolute path such as /dev/ttyUSB0"},
    {"", "source", "tcp://localhost", "'tcp://localhost' is not tcp://HOST:PORT"},
    {"", "source", "tcp://localhost:0", "is not tcp://HOST:PORT (a name or address, port 1"},
    {"", "source", "tcp://localhost:65536", "is not tcp://HOST:PORT"},
    {"", "source", "tcp://localhost:http", "is not tcp://HOST:PORT"},
    {"", "source", "tcp://:2001", "is not tcp://HOST:PORT"},
    {"", "source", "tcp://::1:2001", "an IPv6 address in brackets: tcp://[::1]:2001"},
    {"", "source", "tcp://[::1]2001", "is not tcp://HOST:PORT"},
    {"", "source", "tcp://[]:2001", "is not tcp://HOST:PORT"},
    {"", "source", "tcp://local host:2001", "is not tcp://HOST:PORT"},
    {"", "source", "replay:", "the file name is empty"},
    {"", "source", "replay:x.hex?speed=-2",
     "'replay:x.hex?speed=-2': the only option is ?speed=N, N from 0 (unpaced: as fast as the "
     "decoder takes it) to 1000000"},
    {"", "source", "replay:x.hex?speed=-0.001", "the only option is ?speed=N"},
    {"", "source", "replay:x.hex?speed=1000001", "the only option is ?speed=N"},
    {"", "source", "sim:dsmr50-nl?speed=-1", "the only option is ?speed=N"},
    {"", "source", "replay:x.hex?speed=fast", "the only option is ?speed=N"},
    {"", "source", "replay:x.hex?speed=", "the only option is ?speed=N"},
    {"", "source", "replay:x.hex?loop=1", "the only option is ?speed=N"},
    {"", "source", "sim:nope", "'sim:nope': unknown simulator profile (`hanp1d sim --list`"},
    {"", "source", "sim:", "unknown simulator profile"},
    {"", "source", "sim:DSMR50-NL", "unknown simulator profile"},
    {"", "source", "sim:dsmr50-nl?speed=1e9", "the only option is ?speed=N"},
    {"http", "enabled", "perhaps", "'perhaps' is not yes/no"},
    {"http", "listen", "8080",
     "'8080' is not HOST:PORT (127.0.0.1:8080, 0.0.0.0:8080, "
     "[::1]:8080; port 1 to 65535)"},
    {"http", "listen", "127.0.0.1", "is not HOST:PORT"},
    {"http", "listen", "127.0.0.1:0", "is not HOST:PORT"},
    {"http", "listen", "127.0.0.1:65536", "is not HOST:PORT"},
    {"http", "listen", "127.0.0.1:80x", "is not HOST:PORT"},
    {"http", "listen", "::1:8080", "is not HOST:PORT"},
    {"http", "listen", "[::1]", "is not HOST:PORT"},
    {"http", "listen", "*:8080", "is not HOST:PORT"},
    {"http", "prefix", "hanp1d", "'hanp1d' is not empty or a path such as /hanp1d (starts"},
    {"http", "prefix", "/hanp1d/", "is not empty or a path"},
    {"http", "prefix", "/", "is not empty or a path"},
    {"http", "prefix", "//x", "is not empty or a path"},
    {"http", "prefix", "/a/../b", "is not empty or a path"},
    {"http", "prefix", "/a/..", "is not empty or a path"},
    {"http", "prefix", "/a?b", "is not empty or a path"},
    {"http", "www_dir", "", "'' is not a non-empty text of at most 255 characters"},
    {"http", "vendor_dir", "", "is not a non-empty text"},
    {"http", "auth", "read", "'read' is not one of none, write, all"},
    {"http", "user", "a:b", "'a:b': a user name has at most 31 characters and no ':'"},
    {"http", "user", "abcdefghijklmnopqrstuvwxyz0123456", "has at most 31 characters"},
    {"http", "password_hash", "x", "not a hash from `hanp1d passwd`"},
    {"store", "path", "", "is not a non-empty text"},
    {"store", "store_interval", "0", "'0' is not a whole number from 1 to 3600"},
    {"store", "store_interval", "3601", "is not a whole number from 1 to 3600"},
    {"store", "store_interval", "-1", "is not a whole number"},
    {"store", "store_interval", "1.5", "is not a whole number"},
    {"store", "store_interval", "+5", "is not a whole number"},
    {"store", "store_interval", "99999999999999999999999", "is not a whole number"},
    {"store", "raw_days", "3651", "'3651' is not a whole number from 1 to 3650"},
    {"store", "raw_days", "0", "is not a whole number from 1 to 3650"},
    {"store", "commit_interval", "0", "is not a whole number from 1 to 3600"},
    {"store", "commit_interval", "1h", "is not a whole number"},
    {"daemon", "timezone", "Europe/Olso",
     "unknown time zone 'Europe/Olso' in $TZDIR (an "
     "IANA name such as Europe/Oslo or UTC; empty for the system's)"},
    {"daemon", "timezone", "Europe", "unknown time zone 'Europe'"},
    {"daemon", "timezone", "../zoneinfo/UTC", "unknown time zone"},
    {"daemon", "timezone", "/etc/localtime", "unknown time zone"},
    {"daemon", "timezone", "Europe/Broken", "time zone 'Europe/Broken': "},
    {"", "timezone", "Europe/Olso",
     "unknown time zone 'Europe/Olso' in $TZDIR (an IANA name such as Europe/Oslo or UTC; "
     "empty for the [daemon] timezone)"},
    {"", "timezone", "CET-1CEST,M3.5.0,M10.5.0/3", "unknown time zone"},
    {"", "timezone", "Europe/Broken", "truncated"},
    {"daemon", "stale_after", "0", "'0' is not a whole number from 1 to 86400"},
    {"daemon", "stale_after", "86401", "is not a whole number from 1 to 86400"},
    {"daemon", "log_level", "error", "'error' is not one of err, warning, notice, info, debug"},
    {"mqtt", "enabled", "maybe",
     "'maybe' is not auto (on when host is set) or yes/no, true/false, on/off, 1/0"},
    {"mqtt", "host", "broker name", "'broker name' is not a host name or address"},
    {"mqtt", "host", "mqtt://broker", "is not a host name or address"},
    {"mqtt", "port", "0", "'0' is not a port from 1 to 65535 (empty: 1883, or 8883 with tls)"},
    {"mqtt", "port", "65536", "is not a port from 1 to 65535"},
    {"mqtt", "port", "mqtt", "is not a port from 1 to 65535"},
    {"mqtt", "client_id", "my client", "'my client' is not empty or at most 127 printable"},
    {"mqtt", "tls", "maybe", "'maybe' is not yes/no"},
    {"mqtt", "ca_file", "ca.crt", "'ca.crt' is not empty or the absolute path of an existing file"},
    {"mqtt", "cert_file", "/nonexistent/client.crt", "is not empty or the absolute path"},
    {"mqtt", "key_file", "/etc", "is not empty or the absolute path of an existing file"},
    {"mqtt", "keepalive", "4", "'4' is not a whole number from 5 to 65535"},
    {"mqtt", "keepalive", "65536", "is not a whole number from 5 to 65535"},
    {"mqtt", "qos", "2", "'2' is not a whole number from 0 to 1"},
    {"mqtt", "base_topic", "", "'' is not a topic such as hanp1d/<meter>"},
    {"mqtt", "base_topic", "hanp1d/+/x", "is not a topic such as hanp1d/<meter>"},
    {"mqtt", "base_topic", "hanp1d/#", "is not a topic"},
    {"mqtt", "base_topic", "/hanp1d", "is not a topic"},
    {"mqtt", "base_topic", "hanp1d/", "is not a topic"},
    {"mqtt", "base_topic", "a//b", "is not a topic"},
    {"mqtt", "base_topic", "$SYS/x", "is not a topic"},
    {"mqtt", "base_topic", "hanp1d/<name>", "is not a topic"},
    {"mqtt", "base_topic", "hanp1d/<meter", "is not a topic"},
    {"mqtt", "publish", "0",
     "'0' is not realtime (every reading) or seconds from 1 to 3600 (the latest values, "
     "once per interval)"},
    {"mqtt", "publish", "3601", "is not realtime"},
    {"mqtt", "publish", "10s", "is not realtime"},
    {"mqtt", "publish", "-5", "is not realtime"},
    {"mqtt", "discovery", "sometimes", "is not yes/no"},
    {"mqtt", "discovery_prefix", "", "'' is not a topic prefix such as homeassistant"},
    {"mqtt", "discovery_prefix", "homeassistant/", "is not a topic prefix"},
    {"mqtt", "discovery_prefix", "home assistant", "is not a topic prefix"},
    {"mqtt", "discovery_prefix", "ha/<meter>", "is not a topic prefix"},
    {"mqtt", "format", "domoticz", "'domoticz' is not one of hanp1d, amsreader"},
    {"mqtt", "per_value_topics", "2", "is not yes/no"},
    {"mqtt", "ha_reactive_energy_class", "2025.6", "is not yes/no"},
    {"", "capacity_tariff", "se", "'se' is not one of none, no, be"},
    {"", "capacity_hours", "0", "'0' is not a whole number from 1 to 5"},
    {"", "capacity_hours", "6", "'6' is not a whole number from 1 to 5"},
    {"", "capacity_distinct_days", "maybe", "'maybe' is not yes/no"},
    {"", "capacity_thresholds", "",
     "'' is not a list of kW bounds between the steps, ascending and comma-separated, such as "
     "2, 5, 10"},
    {"", "capacity_thresholds", "2, 5, 5",
     "'2, 5, 5': 5 is not above the bound before it (the bounds ascend)"},
    {"", "capacity_thresholds", "5, 2", "2 is not above the bound before it"},
    {"", "capacity_thresholds", "0, 5", "'0, 5': 0 is not a positive number of kW"},
    {"", "capacity_thresholds", "-2", "-2 is not a positive number of kW"},
    {"", "capacity_thresholds", "2, 5,", "is not a list of kW bounds"},
    {"", "capacity_thresholds", "2,,5", "is not a list of kW bounds"},
    {"", "capacity_thresholds", "2 5", "is not a list of kW bounds"},
    {"", "capacity_thresholds", "2, x", "is not a list of kW bounds"},
    {"", "capacity_thresholds", "2, inf", "is not a list of kW bounds"},
    {"", "capacity_thresholds", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "more than 16 bounds"},
    {"", "capacity_floor_kw", "-1", "'-1' is not a number from 0 to 100"},
    {"", "capacity_floor_kw", "101", "is not a number from 0 to 100"},
    {"", "capacity_floor_on", "year", "'year' is not one of month, mean"},
    {"", "capacity_price_kw_year", "-40", "'-40' is not a number from 0"},
    {"prices", "currency", "kroner",
     "\"kroner\" is not a 3-letter currency code such as NOK, SEK, DKK or EUR"},
    {"prices", "currency", "N0K", "is not a 3-letter currency code"},
    {"prices", "import", "cheap", "\"cheap\" is not a number"},
    {"prices", "export", "1,5", "\"1,5\" is not a number"},
    {"prices", "export", "nan", "is not a number"},
    {"price night", "days", "weekdays",
     "\"weekdays\" in \"weekdays\" is not a day (mon, tue, wed, thu, fri, sat, sun) or a range"},
    {"price night", "days", "mon-fry", "\"mon-fry\" in \"mon-fry\" is not a day"},
    {"price night", "days", "", "is not a day"},
    {"price night", "hours", "22", "\"22\" is not FROM-TO in whole hours, like 22-06 or 0-24"},
    {"price night", "hours", "22-25", "hours run from 0 to 23 (and a range may end at 24)"},
    {"price night", "hours", "6-6", "\"6-6\" is an empty range (0-24 is the whole day)"},
    {"price night", "dates", "11-01-03-31",
     "\"11-01-03-31\" is not MM-DD..MM-DD with real dates, like 11-01..03-31"},
    {"price night", "dates", "02-30..03-31", "is not MM-DD..MM-DD with real dates"},
    {"price night", "import", "x", "\"x\" is not a number"},
    {"price night", "export", "0.5 NOK", "is not a number"},
    {"modifier vat", "operation", "multiply",
     "\"multiply\" is not add, percent, subtract or fixed"},
    {"modifier vat", "direction", "in", "\"in\" is not import, export or both"},
    {"modifier vat", "value", "25%", "\"25%\" is not a number"},
};

static void test_bad_values(void)
{
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		const struct bad_value *b = &bad_values[i];
		char text[1024], key[64];
		bool meter = b->section[0] == '\0';
		if (meter && strcmp(b->key, "source") == 0)
			snprintf(text, sizeof(text), "[meter m]\nsource = %s\n", b->value);
		else if (meter)
			snprintf(text, sizeof(text), METER "%s = %s\n", b->key, b->value);
		else
			snprintf(text, sizeof(text), METER "[%s]\n%s = %s\n", b->section, b->key,
				 b->value);
		int line = meter ? (strcmp(b->key, "source") == 0 ? 2 : 3) : 4;
		snprintf(key, sizeof(key), "%s: ", b->key);
		struct problems ps;
		int n = load(text, &ps);
		bool found = n == 1 && ps.p[0].line == line &&
			     strncmp(ps.p[0].msg, key, strlen(key)) == 0 &&
			     strstr(ps.p[0].msg + strlen(key), b->text) != NULL;
		CHECK_MSG(found, "%s = %s: want one problem on line %d: \"%s%s\"", b->key, b->value,
			  line, key, b->text);
		if (!found)
			show(b->key, &ps);
	}
}

/* ---- secrets ---- */

/* Values that look like keys; none of them may appear in any message. */
static const char *const secrets[] = {
    "0123456789ABCDEF0123456789ABCDE",               /* 31 digits */
    "0123456789ABCDEF0123456789ABCDEFF",             /* 33 */
    "0123456789ABCDEF0123456789ABCDEX",              /* a non-hex digit */
    "SECRETSECRETSECRETSECRETSECRET42",              /* 32, not hex */
    "$pbkdf2-sha256$1000$SECRETSECRETSECRET42$AAAA", /* a broken hash */
};

static void check_no_secret(const char *legend, const struct problems *ps, const char *secret)
{
	/* Any 12 characters of the secret in a row would echo too much of it; the
	 * form of a hash that the messages show is public. */
	static const char form[] = "$pbkdf2-sha256$ROUNDS$SALT$CHECKSUM";
	size_t len = strlen(secret);
	for (int i = 0; i < ps->count && i < PROBLEMS_MAX; i++) {
		for (size_t off = 0; off + 12 <= len; off++) {
			char piece[13];
			memcpy(piece, secret + off, 12);
			piece[12] = '\0';
			if (strstr(form, piece) != NULL)
				continue;
			CHECK_MSG(strstr(ps->p[i].msg, piece) == NULL, "%s echoes a secret: %s",
				  legend, ps->p[i].msg);
		}
	}
}

/* form with every '@' replaced by secret. */
static void fill(char *out, size_t size, const char *form, const char *secret)
{
	size_t n = 0, len = strlen(secret);
	for (const char *p = form; *p != '\0' && n + len + 1 < size; p++) {
		if (*p == '@') {
			memcpy(out + n, secret, len);
			n += len;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

static void test_secrets_never_echoed(void)
{
	static const char *const forms[] = {
	    METER "key = @\n",
	    METER "auth_key = @\n",
	    METER "mbk = @\n",
	    METER "key = 00112233445566778899aabbccddeeff\nkey = @\n",
	    METER "[http]\nauth = all\nuser = u\npassword_hash = @\n",
	    METER "[http]\nkey = @\n",                        /* in the wrong section */
	    METER "key @\n",                                  /* no '=' */
	    METER "@\n",                                      /* a key pasted alone */
	    METER "[meter]\nkey = @\n",                       /* under a header with a problem */
	    METER "key = @ @ @ @ @ @ @\n",                    /* a line too long for the reader */
	    METER "[mqtt]\npassword = @\n",                   /* without a username */
	    METER "[mqtt]\nusername = u\npassword = @@@@@\n", /* too long */
	    METER "[mqtt]\nusername = u\npassword = @\npassword = @\n", /* twice */
	    METER "[mqtt]\nusername = u\npasword = @\n",                /* misspelt */
	};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		for (size_t s = 0; s < sizeof(secrets) / sizeof(secrets[0]); s++) {
			char text[1024];
			const char *x = secrets[s];
			fill(text, sizeof(text), forms[f], x);
			struct problems ps;
			int n = load(text, &ps);
			CHECK_MSG(n >= 1, "form %zu secret %zu: no problem", f, s);
			check_no_secret(forms[f], &ps, x);
		}
	}
	/* A good key in a file with other problems is not echoed either. */
	struct problems ps;
	load(METER "key = 00112233445566778899AABBCCDDEEFF\nbaud = fast\n", &ps);
	CHECK_INT(ps.count, 1);
	check_no_secret("good key", &ps, "00112233445566778899AABBCCDDEEFF");
}

/* ---- values ---- */

static void test_defaults(void)
{
	hp_config_defaults(&cfg);
	CHECK_INT(cfg.meter_count, 0);
	for (unsigned i = 0; i < HP_METERS_MAX; i++) {
		const struct hp_meter_config *m = &cfg.meters[i];
		CHECK_INT(m->baud, 0);
		CHECK_INT(m->parity, HP_PARITY_AUTO);
		CHECK_INT(m->request_lines, HP_LINES_NONE);
		CHECK(!m->keys.has_ek && !m->keys.has_ak && !m->keys.has_system_title);
		CHECK_NEAR(m->speed, 1);
		CHECK_NEAR(m->multiplier_power, 1);
		CHECK_NEAR(m->multiplier_voltage, 1);
		CHECK_NEAR(m->multiplier_current, 1);
		CHECK_NEAR(m->multiplier_energy, 1);
		CHECK_NEAR(m->main_fuse_a, 0);
		CHECK_NEAR(m->voltage, 230);
		CHECK_INT(m->phases, 3);
		CHECK_NEAR(m->production_kwp, 0);
		CHECK(!m->derive_u2);
	}
	CHECK(cfg.http.enabled);
	CHECK_STREQ(cfg.http.host, "127.0.0.1");
	CHECK_INT(cfg.http.port, 8080);
	CHECK_STREQ(cfg.http.prefix, "");
	CHECK_STREQ(cfg.http.www_dir, "/usr/share/hanp1d/www");
	CHECK_STREQ(cfg.http.vendor_dir, "/usr/share/javascript");
	CHECK_INT(cfg.http.auth, HP_AUTH_NONE);
	CHECK_STREQ(cfg.http.user, "");
	CHECK_STREQ(cfg.http.password_hash, "");
	CHECK_STREQ(cfg.store.path, "/var/lib/hanp1d/history.db");
	CHECK_INT(cfg.store.store_interval_s, 10);
	CHECK_INT(cfg.store.raw_days, 90);
	CHECK_INT(cfg.store.commit_interval_s, 60);
	CHECK_STREQ(cfg.timezone, "");
	CHECK_INT(cfg.stale_after_s, 30);
	CHECK_INT(cfg.log_level, 6);
	const struct hp_mqtt_config *q = &cfg.mqtt;
	CHECK_INT(q->enabled, HP_MQTT_AUTO);
	CHECK_STREQ(q->host, "");
	CHECK_INT(q->port, 0);
	CHECK_STREQ(q->client_id, "");
	CHECK_STREQ(q->username, "");
	CHECK_STREQ(q->password, "");
	CHECK(!q->tls && !q->tls_insecure);
	CHECK_STREQ(q->ca_file, "");
	CHECK_STREQ(q->cert_file, "");
	CHECK_STREQ(q->key_file, "");
	CHECK_INT(q->keepalive_s, 60);
	CHECK_INT(q->qos, 0);
	CHECK_STREQ(q->base_topic, "hanp1d/<meter>");
	CHECK_INT(q->publish_interval_s, 0);
	CHECK(q->discovery);
	CHECK_STREQ(q->discovery_prefix, "homeassistant");
	CHECK_INT(q->format, HP_MQTT_FORMAT_HANP1D);
	CHECK(!q->per_value_topics && !q->ha_reactive_energy_class);
}

static void test_mqtt_values(void)
{
	load_ok("mqtt", METER "[mqtt]\nenabled = yes\nhost = broker.lan\nport = 8884\n"
			      "client_id = pi-1\nusername = hanp1d\npassword = s3cret = yes; #x\n"
			      "tls = yes\nca_file = /etc/hostname\ncert_file = /etc/hostname\n"
			      "key_file = /etc/hostname\ntls_insecure = yes\nkeepalive = 5\n"
			      "qos = 1\nbase_topic = home/p1/<meter>/x\npublish = 3600\n"
			      "discovery = off\ndiscovery_prefix = ha/discovery\n"
			      "format = AMSreader\nper_value_topics = on\n"
			      "ha_reactive_energy_class = true\n");
	const struct hp_mqtt_config *q = &cfg.mqtt;
	CHECK_INT(q->enabled, HP_MQTT_YES);
	CHECK_STREQ(q->host, "broker.lan");
	CHECK_INT(q->port, 8884);
	CHECK_STREQ(q->client_id, "pi-1");
	CHECK_STREQ(q->username, "hanp1d");
	CHECK_STREQ(q->password, "s3cret = yes; #x");
	CHECK(q->tls && q->tls_insecure);
	CHECK_STREQ(q->ca_file, "/etc/hostname");
	CHECK_STREQ(q->key_file, "/etc/hostname");
	CHECK_INT(q->keepalive_s, 5);
	CHECK_INT(q->qos, 1);
	CHECK_STREQ(q->base_topic, "home/p1/<meter>/x");
	CHECK_INT(q->publish_interval_s, 3600);
	CHECK(!q->discovery);
	CHECK_STREQ(q->discovery_prefix, "ha/discovery");
	CHECK_INT(q->format, HP_MQTT_FORMAT_AMSREADER);
	CHECK(q->per_value_topics && q->ha_reactive_energy_class);
	load_ok("mqtt auto", METER "[mqtt]\nenabled = AUTO\nhost = [::1]\nport =\n"
				   "publish = Realtime\n");
	CHECK_INT(cfg.mqtt.enabled, HP_MQTT_AUTO);
	CHECK_STREQ(cfg.mqtt.host, "::1");
	CHECK_INT(cfg.mqtt.port, 0);
	CHECK_INT(cfg.mqtt.publish_interval_s, 0);
	load_ok("mqtt off", METER "[mqtt]\nenabled = no\nhost = 192.168.1.2\nbase_topic = ams\n");
	CHECK_INT(cfg.mqtt.enabled, HP_MQTT_NO);
	CHECK_STREQ(cfg.mqtt.base_topic, "ams");
	/* Two meters share a template with <meter>; the empty TLS keys of the shipped
	 * file are not "set". */
	load_ok("mqtt two meters", METER "[meter n]\nsource = /dev/ttyUSB1\n[mqtt]\n"
					 "base_topic = <meter>\nca_file =\ntls_insecure = no\n");
}

static void test_meter_values(void)
{
	load_ok("meter values", "[meter main]\n"
				"source = serial:/dev/ttyAMA0\n"
				"baud = 2400\n"
				"parity = 8e1\n"
				"request_lines = both\n"
				"key = 000102030405060708090A0B0C0D0E0F\n"
				"auth_key = d0d1d2d3d4d5d6d7d8d9dadbdcdddedf\n"
				"system_title = 454C4702000ABCDE\n"
				"multiplier_power = 0.5\n"
				"multiplier_voltage = 2\n"
				"multiplier_current = 150\n"
				"multiplier_energy = 0.1\n"
				"main_fuse_a = 25\n"
				"voltage = 400\n"
				"phases = 1\n"
				"production_kwp = 9.8\n"
				"derive_u2 = on\n");
	const struct hp_meter_config *m = hp_config_meter(&cfg, "main");
	CHECK(m != NULL);
	if (m == NULL)
		return;
	CHECK_INT(cfg.meter_count, 1);
	CHECK_INT(m->line, 1);
	CHECK_INT(m->kind, HP_SOURCE_SERIAL);
	CHECK_STREQ(m->path, "/dev/ttyAMA0");
	CHECK_INT(m->baud, 2400);
	CHECK_INT(m->parity, HP_PARITY_8E1);
	CHECK_INT(m->request_lines, HP_LINES_BOTH);
	CHECK(m->keys.has_ek && m->keys.has_ak && m->keys.has_system_title);
	for (int i = 0; i < 16; i++) {
		CHECK_INT(m->keys.ek[i], i);
		CHECK_INT(m->keys.ak[i], 0xD0 + i);
	}
	static const uint8_t title[8] = {0x45, 0x4C, 0x47, 0x02, 0x00, 0x0A, 0xBC, 0xDE};
	CHECK(memcmp(m->keys.system_title, title, 8) == 0);
	CHECK_NEAR(m->multiplier_power, 0.5);
	CHECK_NEAR(m->multiplier_voltage, 2);
	CHECK_NEAR(m->multiplier_current, 150);
	CHECK_NEAR(m->multiplier_energy, 0.1);
	CHECK_NEAR(m->main_fuse_a, 25);
	CHECK_NEAR(m->voltage, 400);
	CHECK_INT(m->phases, 1);
	CHECK_NEAR(m->production_kwp, 9.8);
	CHECK(m->derive_u2);

	/* Empty keys: the meter sends in clear. */
	load_ok("empty keys", METER "key =\nauth_key =\nsystem_title =\nbaud = AUTO\n"
				    "parity = Auto\nphases = 3\nvoltage = 230\n");
	m = &cfg.meters[0];
	CHECK(!m->keys.has_ek && !m->keys.has_ak && !m->keys.has_system_title);
	CHECK_INT(m->baud, 0);
	CHECK_INT(m->parity, HP_PARITY_AUTO);
	CHECK_INT(m->phases, 3);
	CHECK_NEAR(m->voltage, 230);
}

struct bool_case {
	const char *text;
	bool value;
};

static void test_price_values(void)
{
	load_ok("prices", "[meter no]\nsource = /dev/ttyUSB0\ncapacity_tariff = NO\n"
			  "capacity_hours = 5\ncapacity_distinct_days = no\n"
			  "capacity_thresholds = 5,10 , 15.5\n"
			  "[meter be]\nsource = /dev/ttyUSB1\ncapacity_tariff = be\n"
			  "capacity_floor_kw = 0\ncapacity_floor_on = mean\n"
			  "capacity_price_kw_year = 40.4\n"
			  "[prices]\ncurrency = nok\nimport = 1.10\nexport = -0.05\n"
			  "[price night]\ndays = mon-fri\nhours = 22-06\nimport = 0.85\n"
			  "[price weekend]\ndays = Sat, sun\nexport = 0.4\n"
			  "[price winter]\nhours = 6-22\ndates = 11-01..03-31\nimport = 1.35\n"
			  "[modifier grid]\noperation = add\ndirection = import\nvalue = 0.3618\n"
			  "[modifier vat]\noperation = Percent\ndirection = both\nvalue = 25\n");
	const struct hp_meter_config *no = hp_config_meter(&cfg, "no");
	const struct hp_meter_config *be = hp_config_meter(&cfg, "be");
	CHECK(no != NULL && be != NULL);
	if (no == NULL || be == NULL)
		return;
	CHECK_INT(no->capacity_tariff, HP_CAPACITY_NO);
	CHECK_INT(no->capacity_no.hours, 5);
	CHECK(!no->capacity_no.distinct_days);
	CHECK_INT(no->capacity_no.threshold_count, 3);
	CHECK_NEAR(no->capacity_no.thresholds_kw[0], 5);
	CHECK_NEAR(no->capacity_no.thresholds_kw[1], 10);
	CHECK_NEAR(no->capacity_no.thresholds_kw[2], 15.5);
	CHECK_NEAR(no->capacity_no.thresholds_kw[3], 0);
	CHECK_INT(be->capacity_tariff, HP_CAPACITY_BE);
	CHECK_NEAR(be->capacity_be.floor_kw, 0);
	CHECK_INT(be->capacity_be.floor_mode, HP_BE_FLOOR_ON_MEAN);
	CHECK_NEAR(be->capacity_be.price_per_kw_year, 40.4);
	/* Each meter keeps the defaults of the other tariff. */
	CHECK_INT(be->capacity_no.hours, 3);
	CHECK_INT(be->capacity_no.threshold_count, 9);
	CHECK_NEAR(no->capacity_be.floor_kw, 2.5);

	const struct hp_price_config *p = &cfg.prices;
	CHECK_STREQ(p->currency, "NOK");
	CHECK(p->has_fixed_import && p->has_fixed_export);
	CHECK_NEAR(p->fixed_import, 1.10);
	CHECK_NEAR(p->fixed_export, -0.05);
	CHECK_INT(p->tou_count, 3);
	/* In file order; bit n is struct tm's weekday n (0 Sunday). */
	CHECK_INT(p->tou[0].days, 0x3e);
	CHECK_INT(p->tou[0].hour_from, 22);
	CHECK_INT(p->tou[0].hour_to, 6);
	CHECK(!p->tou[0].has_dates);
	CHECK(p->tou[0].has_import && !p->tou[0].has_export);
	CHECK_NEAR(p->tou[0].import_price, 0.85);
	CHECK_INT(p->tou[1].days, 0x41);
	CHECK_INT(p->tou[1].hour_from, 0);
	CHECK_INT(p->tou[1].hour_to, 24);
	CHECK(!p->tou[1].has_import && p->tou[1].has_export);
	CHECK_NEAR(p->tou[1].export_price, 0.4);
	CHECK_INT(p->tou[2].days, 0x7f);
	CHECK(p->tou[2].has_dates);
	CHECK_INT(p->tou[2].date_from, 1101);
	CHECK_INT(p->tou[2].date_to, 331);
	CHECK_INT(p->modifier_count, 2);
	CHECK_INT(p->modifiers[0].op, HP_PRICE_OP_ADD);
	CHECK_INT(p->modifiers[0].applies, HP_PRICE_APPLIES_IMPORT);
	CHECK_NEAR(p->modifiers[0].value, 0.3618);
	CHECK_INT(p->modifiers[1].op, HP_PRICE_OP_PERCENT);
	CHECK_INT(p->modifiers[1].applies, HP_PRICE_APPLIES_IMPORT | HP_PRICE_APPLIES_EXPORT);
	CHECK_NEAR(p->modifiers[1].value, 25);

	/* Empty values leave prices, currency and dates unset. */
	load_ok("empty prices", METER "[prices]\ncurrency =\nimport =\nexport =\n"
				      "[price a]\ndates =\nimport =\nexport = 1\n");
	CHECK_STREQ(cfg.prices.currency, "");
	CHECK(!cfg.prices.has_fixed_import && !cfg.prices.has_fixed_export);
	CHECK_INT(cfg.prices.tou_count, 1);
	CHECK(!cfg.prices.tou[0].has_dates && !cfg.prices.tou[0].has_import);
	/* No price anywhere: the defaults. */
	load_ok("no prices", METER);
	static struct hp_price_config none;
	hp_price_config_init(&none);
	CHECK(memcmp(&cfg.prices, &none, sizeof(none)) == 0);
}

/* Sections beyond the limits are reported on their header, and their keys are
 * still checked. */
static void test_price_limits(void)
{
	static char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), METER);
	for (int i = 0; i <= HP_PRICE_TOU_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[price r%d]\nimport = %d\n", i,
				      i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "export = x\n");
	struct problems ps;
	int line = 3 + 2 * HP_PRICE_TOU_MAX;
	CHECK_INT(load(text, &ps), 2);
	struct expect too_many = {line, "more than 16 [price NAME] sections"};
	struct expect checked = {line + 2, "export: \"x\" is not a number"};
	CHECK(has_problem(&ps, &too_many));
	CHECK(has_problem(&ps, &checked));
	CHECK_INT(cfg.prices.tou_count, HP_PRICE_TOU_MAX);
	CHECK_NEAR(cfg.prices.tou[HP_PRICE_TOU_MAX - 1].import_price, HP_PRICE_TOU_MAX - 1);

	n = (size_t)snprintf(text, sizeof(text), METER);
	for (int i = 0; i <= HP_PRICE_MODIFIERS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[modifier m%d]\noperation = add\ndirection = both\n"
				      "value = %d\n",
				      i, i);
	line = 3 + 4 * HP_PRICE_MODIFIERS_MAX;
	CHECK_INT(load(text, &ps), 1);
	struct expect too_many_mods = {line, "more than 16 [modifier NAME] sections"};
	CHECK(has_problem(&ps, &too_many_mods));
	CHECK_INT(cfg.prices.modifier_count, HP_PRICE_MODIFIERS_MAX);
}

static void test_booleans(void)
{
	static const struct bool_case cases[] = {
	    {"yes", true},  {"no", false}, {"true", true}, {"false", false}, {"on", true},
	    {"off", false}, {"1", true},   {"0", false},   {"YES", true},    {"Off", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), METER "derive_u2 = %s\n[http]\nenabled = %s\n",
			 cases[i].text, cases[i].text);
		load_ok(cases[i].text, text);
		CHECK_MSG(cfg.meters[0].derive_u2 == cases[i].value, "derive_u2 = %s",
			  cases[i].text);
		CHECK_MSG(cfg.http.enabled == cases[i].value, "enabled = %s", cases[i].text);
	}
}

struct source_case {
	const char *text;
	enum hp_source_kind kind;
	const char *path, *host;
	unsigned port;
	double speed;
};

static void test_sources(void)
{
	static const struct source_case cases[] = {
	    {"serial:/dev/ttyUSB0", HP_SOURCE_SERIAL, "/dev/ttyUSB0", "", 0, 1},
	    {"/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", HP_SOURCE_SERIAL,
	     "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", "", 0, 1},
	    {"tcp://localhost:2001", HP_SOURCE_TCP, "", "localhost", 2001, 1},
	    {"tcp://127.0.0.1:23", HP_SOURCE_TCP, "", "127.0.0.1", 23, 1},
	    {"tcp://[::1]:65535", HP_SOURCE_TCP, "", "::1", 65535, 1},
	    {"replay:captures/kamstrup.hex", HP_SOURCE_REPLAY, "captures/kamstrup.hex", "", 0, 1},
	    {"replay:/srv/captures/x.raw?speed=10", HP_SOURCE_REPLAY, "/srv/captures/x.raw", "", 0,
	     10},
	    {"replay:x.hex?speed=0.5", HP_SOURCE_REPLAY, "x.hex", "", 0, 0.5},
	    /* 0: unpaced, as fast as the decoder empties the ring. */
	    {"replay:x.raw?speed=0", HP_SOURCE_REPLAY, "x.raw", "", 0, 0},
	    {"replay:x.raw?speed=-0", HP_SOURCE_REPLAY, "x.raw", "", 0, 0},
	    {"replay:x.raw?speed=1e6", HP_SOURCE_REPLAY, "x.raw", "", 0, 1e6},
	    {"sim:dsmr50-nl?speed=0", HP_SOURCE_SIM, "dsmr50-nl", "", 0, 0},
	    {"sim:dsmr50-nl", HP_SOURCE_SIM, "dsmr50-nl", "", 0, 1},
	    {"sim:kamstrup-list2?speed=2.5", HP_SOURCE_SIM, "kamstrup-list2", "", 0, 2.5},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct source_case *c = &cases[i];
		char text[256];
		snprintf(text, sizeof(text), "[meter s]\nsource = %s\n", c->text);
		load_ok(c->text, text);
		const struct hp_meter_config *m = &cfg.meters[0];
		CHECK_MSG(m->kind == c->kind, "%s: kind %d", c->text, (int)m->kind);
		CHECK_STREQ(m->path, c->path);
		CHECK_STREQ(m->host, c->host);
		CHECK_INT(m->port, c->port);
		CHECK_NEAR(m->speed, c->speed);
		CHECK_MSG(!signbit(m->speed), "%s: a negative speed", c->text);
	}
	/* Every profile `hanp1d sim --list` names. */
	for (int p = 0; p < HP_PROFILE_COUNT; p++) {
		const char *name = hp_enc_profile_name((enum hp_enc_profile)p);
		char text[256];
		snprintf(text, sizeof(text), "[meter s]\nsource = sim:%s?speed=3\n", name);
		load_ok(name, text);
		CHECK_INT(cfg.meters[0].kind, HP_SOURCE_SIM);
		CHECK_STREQ(cfg.meters[0].path, name);
	}
}

/* mep: sources: the MBK becomes the key of its first 16 characters; without one
 * the meter cannot be read, which the check says. */
static void test_mep_source(void)
{
	load_ok("mep", "[meter osgp]\nsource = mep:/dev/ttyUSB1\nmbk = ABCDEFGHIJKLMNOPQRST\n");
	const struct hp_meter_config *m = &cfg.meters[0];
	CHECK_INT(m->kind, HP_SOURCE_MEP);
	CHECK_STREQ(m->path, "/dev/ttyUSB1");
	CHECK(m->has_mep_key);
	CHECK(memcmp(m->mep_key, "ABCDEFGHIJKLMNOP", 16) == 0);
	CHECK_INT(m->enable_line, HP_LINES_DTR);
	CHECK_INT(m->poll_interval_s, 10);
	load_ok("mep lines", "[meter osgp]\nsource = mep:/dev/ttyS0\nmbk = 0123456789ABCDEF0123\n"
			     "enable_line = rts\npoll_interval = 30\n");
	CHECK_INT(cfg.meters[0].enable_line, HP_LINES_RTS);
	CHECK_INT(cfg.meters[0].poll_interval_s, 30);
	struct problems ps;
	CHECK_INT(load("[meter osgp]\nsource = mep:/dev/ttyUSB1\n", &ps), 1);
	CHECK(ps.count == 1 && strstr(ps.p[0].msg, "needs mbk") != NULL);
	CHECK_INT(load("[meter osgp]\nsource = mep:ttyUSB1\nmbk = ABCDEFGHIJKLMNOPQRST\n", &ps), 1);
	CHECK(ps.count == 1 && strstr(ps.p[0].msg, "absolute path") != NULL);
}

/* A meter's zone is its own, else [daemon] timezone's, wherever that stands. */
static void test_meter_zones(void)
{
	load_ok("meter zones", "[meter a]\nsource = /dev/ttyUSB0\n"
			       "[meter b]\nsource = /dev/ttyUSB1\ntimezone = UTC\n"
			       "[meter c]\nsource = /dev/ttyUSB2\ntimezone =\n"
			       "[daemon]\ntimezone = Europe/Oslo\n");
	CHECK_STREQ(cfg.meters[0].timezone, "Europe/Oslo");
	CHECK_STREQ(cfg.meters[1].timezone, "UTC");
	CHECK_STREQ(cfg.meters[2].timezone, "Europe/Oslo");
	CHECK_STREQ(cfg.timezone, "Europe/Oslo");
	load_ok("no zones", METER);
	CHECK_STREQ(cfg.meters[0].timezone, ""); /* the system's */
	load_ok("meter zone only", METER "timezone = Europe/Oslo\n");
	CHECK_STREQ(cfg.meters[0].timezone, "Europe/Oslo");
	CHECK_STREQ(cfg.timezone, "");
}

static void test_http_store_daemon_values(void)
{
	char hash[HP_PASSWD_HASH_LEN], text[1024];
	CHECK_INT(hp_passwd_hash("pw", hash, sizeof(hash)), 0);
	snprintf(text, sizeof(text),
		 METER "[http]\nenabled = no\nlisten = [::1]:8081\nprefix = /hanp1d/v-2.x_~\n"
		       "www_dir = ./www\nvendor_dir = /opt/js\nauth = write\nuser = admin\n"
		       "password_hash = %s\n"
		       "[store]\npath = state/h.db\nstore_interval = 3600\nraw_days = 3650\n"
		       "commit_interval = 1\n"
		       "[daemon]\ntimezone = Europe/Oslo\nstale_after = 86400\nlog_level = debug\n",
		 hash);
	load_ok("http store daemon", text);
	CHECK(!cfg.http.enabled);
	CHECK_STREQ(cfg.http.host, "::1");
	CHECK_INT(cfg.http.port, 8081);
	CHECK_STREQ(cfg.http.prefix, "/hanp1d/v-2.x_~");
	CHECK_STREQ(cfg.http.www_dir, "./www");
	CHECK_STREQ(cfg.http.vendor_dir, "/opt/js");
	CHECK_INT(cfg.http.auth, HP_AUTH_WRITE);
	CHECK_STREQ(cfg.http.user, "admin");
	CHECK_STREQ(cfg.http.password_hash, hash);
	CHECK(hp_passwd_verify("pw", cfg.http.password_hash));
	CHECK_STREQ(cfg.store.path, "state/h.db");
	CHECK_INT(cfg.store.store_interval_s, 3600);
	CHECK_INT(cfg.store.raw_days, 3650);
	CHECK_INT(cfg.store.commit_interval_s, 1);
	CHECK_STREQ(cfg.timezone, "Europe/Oslo");
	CHECK_INT(cfg.stale_after_s, 86400);
	CHECK_INT(cfg.log_level, 7);

	static const char *const levels[] = {"err", "warning", "notice", "info", "debug"};
	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), METER "[daemon]\nlog_level = %s\ntimezone = UTC\n",
			 levels[i]);
		load_ok(levels[i], text);
		CHECK_INT(cfg.log_level, 3 + i);
		CHECK_STREQ(cfg.timezone, "UTC");
	}
	static const char *const listens[] = {"0.0.0.0:80", "localhost:8080", "[::]:1"};
	static const char *const hosts[] = {"0.0.0.0", "localhost", "::"};
	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), METER "[http]\nlisten = %s\nauth = none\nprefix =\n",
			 listens[i]);
		load_ok(listens[i], text);
		CHECK_STREQ(cfg.http.host, hosts[i]);
		CHECK_STREQ(cfg.http.prefix, "");
	}
	/* A hash from elsewhere (passlib's documented example) is accepted. */
	load_ok("passlib hash",
		METER "[http]\nauth = all\nuser = u\npassword_hash = $pbkdf2-sha256$6400$"
		      "0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M\n");
	CHECK_INT(cfg.http.auth, HP_AUTH_ALL);
	CHECK(hp_passwd_verify("password", cfg.http.password_hash));
}

static void test_several_meters(void)
{
	load_ok("several meters", "[meter main]\nsource = /dev/ttyUSB0\n\n"
				  "[meter sub-1]\nsource = tcp://127.0.0.1:2001\nphases = 1\n\n"
				  "[meter Demo_2]\nsource = sim:aidon-list3\n");
	CHECK_INT(cfg.meter_count, 3);
	const struct hp_meter_config *a = hp_config_meter(&cfg, "main");
	const struct hp_meter_config *b = hp_config_meter(&cfg, "sub-1");
	const struct hp_meter_config *c = hp_config_meter(&cfg, "Demo_2");
	CHECK(a == &cfg.meters[0] && b == &cfg.meters[1] && c == &cfg.meters[2]);
	CHECK(hp_config_meter(&cfg, "demo_2") == NULL);
	CHECK(hp_config_meter(&cfg, "") == NULL);
	if (a == NULL || b == NULL || c == NULL)
		return;
	CHECK_INT(a->line, 1);
	CHECK_INT(b->line, 4);
	CHECK_INT(c->line, 8);
	CHECK_INT(a->phases, 3);
	CHECK_INT(b->phases, 1);
	CHECK_INT(c->kind, HP_SOURCE_SIM);

	/* Eight is the most; the ninth is one problem, on its header. */
	char text[2048];
	size_t n = 0;
	for (int i = 0; i < HP_METERS_MAX + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[meter m%d]\nsource = /dev/x%d\n", i, i);
	struct problems ps;
	CHECK_INT(load(text, &ps), 1);
	CHECK_INT(ps.p[0].line, 2 * HP_METERS_MAX + 1);
	CHECK_STREQ(ps.p[0].msg, "more than 8 meters");
	CHECK_INT(cfg.meter_count, HP_METERS_MAX);
	CHECK_STREQ(cfg.meters[7].path, "/dev/x7");

	/* A duplicate's values do not change the first meter. */
	CHECK_INT(load("[meter a]\nsource = /dev/x\nbaud = 9600\n[meter a]\nsource = /dev/y\n"
		       "baud = 2400\n",
		       &ps),
		  1);
	CHECK_INT(cfg.meter_count, 1);
	CHECK_STREQ(cfg.meters[0].path, "/dev/x");
	CHECK_INT(cfg.meters[0].baud, 9600);
}

/* Comments, whitespace, line ends, the ':' form, a BOM, long lines. */
static void test_syntax(void)
{
	load_ok("comments and whitespace", "# a comment\n"
					   "; another\n"
					   "\n"
					   "   [meter home]   ; inline after a header\n"
					   "\tsource\t=\tserial:/dev/ttyUSB0   ; the P1 cable\n"
					   "  baud=9600\n"
					   "parity : 8N1\n"
					   "    # an indented comment\n"
					   "[ http ]\n"
					   "listen = 127.0.0.1:8080 ;\n"
					   "prefix = ; empty\n");
	CHECK_STREQ(cfg.meters[0].path, "/dev/ttyUSB0");
	CHECK_INT(cfg.meters[0].baud, 9600);
	CHECK_INT(cfg.meters[0].parity, HP_PARITY_8N1);
	CHECK_STREQ(cfg.http.prefix, "");

	/* An indented key is a key, never a continuation of the one before. */
	load_ok("indented", "[meter home]\nsource = /dev/ttyUSB0\n    baud = 2400\n");
	CHECK_STREQ(cfg.meters[0].path, "/dev/ttyUSB0");
	CHECK_INT(cfg.meters[0].baud, 2400);

	load_ok("CRLF", "[meter home]\r\nsource = /dev/ttyUSB1\r\nbaud = 4800\r\n");
	CHECK_STREQ(cfg.meters[0].path, "/dev/ttyUSB1");
	CHECK_INT(cfg.meters[0].baud, 4800);

	load_ok("BOM, no final line end", "\xEF\xBB\xBF[meter home]\nsource = /dev/ttyS0");
	CHECK_STREQ(cfg.meters[0].path, "/dev/ttyS0");

	/* A '#' after a value is part of it. */
	struct problems ps;
	CHECK_INT(load(METER "baud = 9600 # fast\n", &ps), 1);
	CHECK_STREQ(ps.p[0].msg, "baud: '9600 # fast' is not auto or a standard rate (1200, "
				 "2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, "
				 "460800, 921600)");

	/* A long line is one problem, and the lines after it keep their numbers. */
	char text[2048];
	char path[600];
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), METER "[store]\npath = %s\nraw_days = 0\n", path);
	CHECK_INT(load(text, &ps), 2);
	CHECK_INT(ps.p[0].line, 4);
	CHECK(strstr(ps.p[0].msg, "the line is longer than") != NULL);
	CHECK(strstr(ps.p[0].msg, "pppp") == NULL);
	CHECK_INT(ps.p[1].line, 5);
	CHECK(strstr(ps.p[1].msg, "raw_days") != NULL);

	/* libinih's line buffer (200 bytes in Debian's build) holds 198 characters and the
	 * line end; leading blanks do not count. */
	char edge[256];
	memset(edge, 'q', sizeof(edge));
	memcpy(edge, "  path = /", 10);
	edge[2 + 198] = '\0';
	snprintf(text, sizeof(text), METER "[store]\n%s\n", edge);
	load_ok("198 characters", text);
	CHECK_INT(strlen(cfg.store.path), 198 - 7);
	edge[2 + 198] = 'q';
	edge[2 + 199] = '\0';
	snprintf(text, sizeof(text), METER "[store]\n%s\n", edge);
	CHECK_INT(load(text, &ps), 1);
	CHECK_STREQ(ps.p[0].msg, "the line is longer than 198 characters");

	/* A long comment is fine. */
	snprintf(text, sizeof(text), "# %s\n" METER, path);
	load_ok("long comment", text);

	/* A NUL byte: not a text file. */
	static const char nul[] = "[meter a]\nsource = /dev/x\x00y\nbaud = 9600\n";
	CHECK_INT(load_bytes(nul, sizeof(nul) - 1, &ps), 2);
	CHECK_INT(ps.p[0].line, 2);
	CHECK(strstr(ps.p[0].msg, "NUL") != NULL);
	CHECK_INT(ps.p[1].line, 1); /* and so meter a has no source */

	/* A long value is cut in the message. */
	char longv[120];
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	snprintf(text, sizeof(text), METER "parity = %s\n", longv);
	CHECK_INT(load(text, &ps), 1);
	CHECK(strstr(ps.p[0].msg, "vvvv...'") != NULL);
	CHECK(strlen(ps.p[0].msg) < 120);
}

static void test_files(void)
{
	char missing[PATH_MAX_ + 16];
	snprintf(missing, sizeof(missing), "%s/missing.conf", tmp_dir);
	struct problems ps = {0};
	CHECK_INT(hp_config_load(missing, &cfg, collect, &ps), 1);
	CHECK_INT(ps.p[0].line, 0);
	char want[PATH_MAX_ + 64];
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory", missing);
	CHECK_STREQ(ps.p[0].msg, want);
	CHECK_STREQ(ps.file, missing);
	CHECK_INT(cfg.meter_count, 0);
	CHECK_INT(cfg.store.raw_days, 90); /* the defaults */

	memset(&ps, 0, sizeof(ps));
	CHECK_INT(hp_config_load(tmp_dir, &cfg, collect, &ps), 1);
	CHECK_INT(ps.p[0].line, 0);
	CHECK(strstr(ps.p[0].msg, "Is a directory") != NULL);

	/* Without a callback the problems are still counted. */
	check_write_file(conf_path, "[meter a]\nbaud = 1\n", 19);
	CHECK_INT(hp_config_load(conf_path, &cfg, NULL, NULL), 2);

	/* A second load starts from the defaults again. */
	load_ok("first", METER "[store]\nraw_days = 5\n");
	load_ok("second", "[meter x]\nsource = /dev/y\n");
	CHECK_INT(cfg.store.raw_days, 90);
	CHECK_STREQ(cfg.meters[0].name, "x");
	CHECK_INT(cfg.meter_count, 1);
}

/* ---- the shipped file and the man page ---- */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
	if (f == NULL)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Sections the shipped file shows in comments only: any would change the prices. */
static bool example_only(int section)
{
	return section == HP_CFG_PRICE || section == HP_CFG_MODIFIER;
}

/* The shipped file's commented examples ("#[price night]", "#days = mon-fri") load
 * without a problem once uncommented. */
static void check_examples(const char *conf)
{
	static char text[65536];
	size_t n = (size_t)snprintf(text, sizeof(text), METER "[prices]\n");
	for (const char *p = conf; *p != '\0' && n + 1 < sizeof(text);) {
		size_t len = strcspn(p, "\n");
		bool example =
		    p[0] == '#' &&
		    (p[1] == '[' || (p[1] != ' ' && p[1] != '#' && memchr(p, '=', len) != NULL));
		if (example) {
			/* "#   capacity_tariff = be" is prose; "#days = x" an example. */
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%.*s\n", (int)len - 1,
					      p + 1);
		}
		p += len + (p[len] == '\n');
	}
	load_ok("etc/hanp1d.conf examples", text);
	CHECK(cfg.prices.tou_count > 0 && cfg.prices.modifier_count > 0);
}

static void test_shipped_file(void)
{
	char path[PATH_MAX_ + 32];
	snprintf(path, sizeof(path), "%s/etc/hanp1d.conf", source_dir);
	struct problems ps = {0};
	int n = hp_config_load(path, &cfg, collect, &ps);
	CHECK_MSG(n == 0, "%s: %d problems", path, n);
	show("etc/hanp1d.conf", &ps);

	/* It is the defaults, plus the package's meter. */
	static struct hp_config defaults;
	hp_config_defaults(&defaults);
	CHECK_INT(cfg.meter_count, 1);
	const struct hp_meter_config *m = hp_config_meter(&cfg, "home");
	CHECK(m != NULL);
	if (m != NULL) {
		CHECK_INT(m->kind, HP_SOURCE_SERIAL);
		CHECK_STREQ(m->path, "/dev/ttyUSB0");
		struct hp_meter_config copy = *m;
		memset(copy.name, 0, sizeof(copy.name));
		memset(copy.path, 0, sizeof(copy.path));
		copy.line = 0;
		CHECK_MSG(memcmp(&copy, &defaults.meters[0], sizeof(copy)) == 0,
			  "[meter home] differs from the built-in meter defaults");
	}
	CHECK(memcmp(&cfg.http, &defaults.http, sizeof(cfg.http)) == 0);
	CHECK(memcmp(&cfg.store, &defaults.store, sizeof(cfg.store)) == 0);
	CHECK(memcmp(&cfg.mqtt, &defaults.mqtt, sizeof(cfg.mqtt)) == 0);
	CHECK(memcmp(&cfg.prices, &defaults.prices, sizeof(cfg.prices)) == 0);
	CHECK_STREQ(cfg.timezone, defaults.timezone);
	CHECK_INT(cfg.stale_after_s, defaults.stale_after_s);
	CHECK_INT(cfg.log_level, defaults.log_level);

	/* Every key is in it, and documented in hanp1d.conf(5), once per section that
	 * has it (timezone: [meter NAME] and [daemon]; import and export: [prices] and
	 * [price NAME]). The file has no rules or modifiers of its own: their keys are
	 * in commented examples ("#days =") that must still parse once uncommented. */
	char *conf = read_text(path);
	if (conf == NULL)
		return;
	char *copy_conf = strdup(conf);
	snprintf(path, sizeof(path), "%s/man/hanp1d.conf.5", source_dir);
	char *man = read_text(path);
	for (int s = 0; s < HP_CFG_SECTION_COUNT && copy_conf != NULL && man != NULL; s++) {
		const struct hp_cfg_section_def *def = &hp_cfg_sections[s];
		for (size_t k = 0; k < def->count; k++) {
			size_t sections = 0, live = 0;
			for (int o = 0; o < HP_CFG_SECTION_COUNT; o++) {
				bool has =
				    hp_cfg_find_key(&hp_cfg_sections[o], def->keys[k].name) != NULL;
				sections += has;
				live += has && !example_only(o);
			}
			char needle[64];
			snprintf(needle, sizeof(needle), "\n%s =", def->keys[k].name);
			CHECK_MSG(count_of(copy_conf, needle) == live, "etc/hanp1d.conf: %s",
				  def->keys[k].name);
			snprintf(needle, sizeof(needle), "\n#%s =", def->keys[k].name);
			CHECK_MSG(!example_only(s) || count_of(copy_conf, needle) > 0,
				  "etc/hanp1d.conf: no example of %s", def->keys[k].name);
			snprintf(needle, sizeof(needle), "\n.B %s =", def->keys[k].name);
			CHECK_MSG(count_of(man, needle) == sections, "hanp1d.conf.5: %s",
				  def->keys[k].name);
		}
	}
	check_examples(copy_conf);
	free(copy_conf);
}

/* ---- setup ---- */

/* A zone file of one fixed offset (TZif version 1, RFC 8536): the configuration
 * loads the zones it names. */
static void write_zone(const char *path, int32_t off)
{
	unsigned char b[44 + 6 + 4] = {'T', 'Z', 'i', 'f'};
	b[20 + 4 * 4 + 3] = 1; /* one local time type */
	b[20 + 5 * 4 + 3] = 4; /* four characters of abbreviations */
	for (int i = 0; i < 4; i++)
		b[44 + i] = (unsigned char)((uint32_t)off >> (24 - 8 * i));
	memcpy(b + 50, "ZZZ", 4);
	check_write_file(path, (const char *)b, sizeof(b));
}

static void make_zoneinfo(void)
{
	char path[PATH_MAX_ + 64];
	snprintf(path, sizeof(path), "%s/zoneinfo", tmp_dir);
	CHECK(mkdir(path, 0700) == 0);
	setenv("TZDIR", path, 1);
	snprintf(path, sizeof(path), "%s/zoneinfo/Europe", tmp_dir);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/zoneinfo/Europe/Oslo", tmp_dir);
	write_zone(path, 3600);
	snprintf(path, sizeof(path), "%s/zoneinfo/UTC", tmp_dir);
	write_zone(path, 0);
	snprintf(path, sizeof(path), "%s/zoneinfo/Europe/Broken", tmp_dir);
	check_write_file(path, "TZif", 4);
}

static void remove_tree(void)
{
	static const char *const files[] = {"zoneinfo/Europe/Oslo",
					    "zoneinfo/Europe/Broken",
					    "zoneinfo/UTC",
					    "zoneinfo/Europe",
					    "zoneinfo",
					    "test.conf"};
	char path[PATH_MAX_ + 64];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, files[i]);
		remove(path);
	}
	rmdir(tmp_dir);
}

/* The source tree: argv[1], else three levels above this file, else ".". */
static void find_source_dir(int argc, char **argv)
{
	if (argc > 1) {
		snprintf(source_dir, sizeof(source_dir), "%s", argv[1]);
		return;
	}
	static const char tail[] = "/tests/unit/test_config.c";
	const char *file = __FILE__;
	size_t len = strlen(file), tl = strlen(tail);
	if (file[0] == '/' && len > tl && strcmp(file + len - tl, tail) == 0)
		snprintf(source_dir, sizeof(source_dir), "%.*s", (int)(len - tl), file);
	else
		snprintf(source_dir, sizeof(source_dir), ".");
}

int main(int argc, char **argv)
{
	find_source_dir(argc, argv);
	const char *tmp = getenv("TMPDIR");
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/hp-config-XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir);
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(conf_path, sizeof(conf_path), "%s/test.conf", tmp_dir);
	make_zoneinfo();

	test_defaults();
	test_bad_files();
	test_bad_values();
	test_secrets_never_echoed();
	test_meter_values();
	test_booleans();
	test_price_values();
	test_price_limits();
	test_sources();
	test_mep_source();
	test_http_store_daemon_values();
	test_mqtt_values();
	test_meter_zones();
	test_several_meters();
	test_syntax();
	test_files();
	test_shipped_file();

	remove_tree();
	return check_report("config");
}
