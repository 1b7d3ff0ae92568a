/* Subcommands of the hanp1d binary. Each returns the process exit status. */
#ifndef HP_CLI_H
#define HP_CLI_H

/* Exit statuses of `hanp1d decode` (reading-model.md). */
enum {
	HP_EXIT_READING = 0,
	HP_EXIT_NO_READING = 1,
	HP_EXIT_USAGE = 2,
};

int hp_cmd_decode(int argc, char **argv);
int hp_cmd_sim(int argc, char **argv);
int hp_cmd_run(int argc, char **argv);

#endif
