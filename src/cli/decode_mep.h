/* `hanp1d decode --mep-table T | --mep-request HEX`: captured MEP responses. */
#ifndef HP_CLI_DECODE_MEP_H
#define HP_CLI_DECODE_MEP_H

#include <stdbool.h>

/* True when the arguments name a MEP request or table. */
bool hp_decode_is_mep(int argc, char **argv);
int hp_decode_mep(int argc, char **argv);

#endif
