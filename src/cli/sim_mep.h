/* The MEP meter of `hanp1d sim` (request/response, on a pty). */
#ifndef HP_CLI_SIM_MEP_H
#define HP_CLI_SIM_MEP_H

#include <stdbool.h>

/* True when the arguments ask for the MEP meter (`--meter mep`, or `sim mep`). */
bool hp_sim_is_mep(int argc, char **argv);
int hp_sim_mep(int argc, char **argv);

#endif
