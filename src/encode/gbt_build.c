/* General block transfer (protocols.md (c)). */
#include "encode.h"

#define GBT_TAG 0xE0

void hp_enc_gbt_block(struct hp_buf *b, uint8_t control, uint16_t bn, uint16_t bna,
		      const uint8_t *data, size_t n)
{
	hp_buf_u8(b, GBT_TAG);
	hp_buf_u8(b, control);
	hp_buf_be16(b, bn);
	hp_buf_be16(b, bna);
	hp_enc_length(b, n);
	hp_buf_put(b, data, n);
}

size_t hp_enc_gbt_count(size_t n, size_t block_size)
{
	if (block_size == 0)
		return 0;
	return n == 0 ? 1 : (n + block_size - 1) / block_size;
}

int hp_enc_gbt_nth(struct hp_buf *b, const uint8_t *apdu, size_t n, size_t block_size, uint16_t bn)
{
	size_t count = hp_enc_gbt_count(n, block_size);
	if (bn == 0 || bn > count || count > UINT16_MAX) {
		hp_buf_fail(b);
		return -1;
	}
	size_t off = (size_t)(bn - 1) * block_size;
	size_t len = n - off < block_size ? n - off : block_size;
	bool last = bn == count;
	uint8_t control = last ? (HP_GBT_LAST | HP_GBT_STREAMING) : HP_GBT_STREAMING;
	hp_enc_gbt_block(b, control, bn, 0, len > 0 ? apdu + off : NULL, len);
	return hp_buf_ok(b) ? 0 : -1;
}
