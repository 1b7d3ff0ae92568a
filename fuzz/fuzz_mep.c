/* Fuzz target: the MEP response framer, the response parser and every table decoder
 * (with BT21 dimensions from the first byte pair), and the client fed the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mep.h"
#include "mep_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t tables[] = {HP_MEP_BT01, HP_MEP_BT21, HP_MEP_BT23,
				  HP_MEP_BT28, HP_MEP_BT52, HP_MEP_ET03};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct hp_mep_regs regs = {.flags1 = data[0], .demands = data[1] & 0x0F, .values = 55};
	if (data[1] & 0x80)
		regs.values = (uint8_t)(data[1] & 0x7F);
	data += 2;
	size -= 2;

	static struct hp_mep_framer f;
	hp_mep_framer_init(&f);
	for (size_t i = 0; i < size; i++) {
		const uint8_t *frame;
		size_t len;
		if (hp_mep_framer_byte(&f, data[i], &frame, &len) != HP_MEP_FRAME_RESPONSE)
			continue;
		struct hp_mep_response r;
		struct hp_error err;
		if (hp_mep_response_parse(frame, len, &r, &err) < 0 || !r.has_data)
			continue;
		for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
			static struct hp_reading rd;
			hp_reading_init(&rd, HP_PROTO_MEP, HP_FRAMING_MEP);
			struct hp_mep_regs parsed;
			if (tables[t] == HP_MEP_BT21)
				hp_mep_bt21_parse(r.data, r.data_len, &parsed, &err);
			else
				hp_mep_table_apply(tables[t], &regs, r.data, r.data_len, &rd, &err);
		}
	}

	/* The client: the same bytes as the meter's answers, 1 s apart per 16-byte chunk. */
	static struct hp_mep_client c;
	static struct hp_mep_output out;
	uint8_t key[HP_MEP_KEY_LEN];
	memset(key, 0x41, sizeof(key));
	struct hp_mep_client_config cfg;
	hp_mep_client_config_defaults(&cfg);
	uint64_t now = 0;
	hp_mep_client_init(&c, key, &cfg, now, &out);
	for (size_t off = 0; off < size;) {
		now += 1000;
		hp_mep_client_tick(&c, now, &out);
		size_t chunk = size - off < 16 ? size - off : 16;
		size_t end = off + chunk;
		while (off < end)
			off += hp_mep_client_input(&c, now, data + off, end - off, &out);
	}
	return 0;
}
