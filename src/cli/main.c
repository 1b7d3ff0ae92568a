/* hanp1d: one binary, subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "passwd.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("usage: hanp1d [run] [-c FILE] [--check-config] | hanp1d --demo [DIR]\n"
	      "       hanp1d decode [--key HEX] [--auth-key HEX] [--system-title HEX]\n"
	      "                     [--explain] [FILE|-]\n"
	      "       hanp1d decode {--mep-table T | --mep-request HEX} [FILE|-]\n"
	      "       hanp1d sim [--meter PROFILE] [--count N] [--hex] ...\n"
	      "       hanp1d sim --meter mep --pty PATH [--mbk TEXT] ...\n"
	      "       hanp1d passwd\n"
	      "       hanp1d --version\n"
	      "\n"
	      "decode  read a capture (hex text, raw bytes or DSMR telegrams) and print one\n"
	      "        JSON object per frame: a reading or an error\n"
	      "sim     write frames of a simulated meter (any supported family)\n"
	      "run     the daemon (the default): see hanp1d run --help\n"
	      "passwd  print a password hash for [http] password_hash\n",
	      out);
}

int main(int argc, char **argv)
{
	/* No command, or options only: the daemon. */
	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "--version") != 0 &&
			 strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0))
		return hp_cmd_run(argc, argv);
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return hp_cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "decode") == 0)
		return hp_cmd_decode(argc - 1, argv + 1);
	if (strcmp(cmd, "sim") == 0)
		return hp_cmd_sim(argc - 1, argv + 1);
	if (strcmp(cmd, "passwd") == 0)
		return hp_passwd_main(argc - 1, argv + 1);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("hanp1d %s\n", HP_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "hanp1d: unknown command '%s'\n", cmd);
	usage(stderr);
	return HP_EXIT_USAGE;
}
