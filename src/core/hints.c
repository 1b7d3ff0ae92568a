/* What to tell a user about an error class: the probable causes from the
 * diagnostics table of protocols-dsmr-serial.md. The error detail says what was
 * seen; the hint says what usually causes it. */
#include "hanp1d/decode.h"

const char *hp_error_hint(enum hp_error_code code)
{
	switch (code) {
	case HP_ERR_CRC:
		return "frames start right but fail their check: corrupt bytes from a marginal "
		       "M-Bus supply (too many loads, long cable), a wrong pull-up, a USB adapter "
		       "starved by Pi undervoltage, or serial overruns";
	case HP_ERR_TRUNCATED:
		return "the frame stopped early: the capture ended inside it, or bytes were "
		       "lost between segments (overruns, a reconnect)";
	case HP_ERR_AUTH:
		return "the line is fine but the keys are not: check the encryption key (EK/GUEK) "
		       "and authentication key (AK/GAK) from the grid operator, and that they are "
		       "not swapped";
	case HP_ERR_NO_KEY:
		return "the meter encrypts its frames: ask the grid operator for the encryption "
		       "key (and the authentication key) and configure them";
	case HP_ERR_UNSUPPORTED:
		return "the frame is intact but its layout is unknown to this version: please "
		       "report it with the hex dump";
	case HP_ERR_MALFORMED:
		return "the frame passed its checksum but its content breaks its own encoding: "
		       "a meter firmware quirk; please report it with the hex dump";
	case HP_ERR_NOISE:
		return "no frame at all: check the wiring, that the port is activated by the "
		       "grid operator, the P1 data-request line, the baud rate and parity, and "
		       "whether the signal needs inverting";
	case HP_ERR_NONE:
		break;
	}
	return "";
}
