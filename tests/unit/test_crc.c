/* CRC check values from protocols.md (a) and (h). */
#include "check.h"
#include "crc.h"

int main(void)
{
	const uint8_t digits[] = "123456789";
	CHECK_INT(hp_crc16_x25(digits, 9), 0x906E);
	CHECK_INT(hp_crc16_arc(digits, 9), 0xBB3D);

	/* Green Book test: frame 03 3F -> FCS bytes 5B EC (low byte first). */
	const uint8_t green[] = {0x03, 0x3F};
	CHECK_INT(hp_crc16_x25(green, 2), 0xEC5B);

	/* Worked example (a): HCS over A0 27 01 02 01 10 = 0x875A. */
	const uint8_t hdr[] = {0xA0, 0x27, 0x01, 0x02, 0x01, 0x10};
	CHECK_INT(hp_crc16_x25(hdr, sizeof(hdr)), 0x875A);

	/* Running over data + FCS gives the good-FCS residue 0xF0B8 before the final xor. */
	const uint8_t with_fcs[] = {0x03, 0x3F, 0x5B, 0xEC};
	CHECK_INT(hp_crc16_x25_update(0xFFFF, with_fcs, 4), 0xF0B8);

	/* Split updates equal one pass. */
	uint16_t c = hp_crc16_arc_update(0, digits, 4);
	CHECK_INT(hp_crc16_arc_update(c, digits + 4, 5), 0xBB3D);
	return check_report("crc");
}
