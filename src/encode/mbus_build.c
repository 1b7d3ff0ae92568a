/* M-Bus long frames carrying DLMS (protocols.md (b)). */
#include "encode.h"

#define MBUS_START  0x68
#define MBUS_STOP   0x16
#define MBUS_CI_FIN 0x10
/* The CI low nibble numbers the segments. */
#define MBUS_SEGMENTS_MAX 16

int hp_enc_mbus_frame(struct hp_buf *b, const struct hp_enc_mbus *m, uint8_t ci,
		      const uint8_t *data, size_t n)
{
	if (n > HP_MBUS_WRAP_DATA_MAX) {
		hp_buf_fail(b);
		return -1;
	}
	uint8_t l = (uint8_t)(HP_MBUS_OVERHEAD + n); /* only the low byte when it wraps */
	uint8_t head[4] = {MBUS_START, l, l, MBUS_START};
	uint8_t fields[HP_MBUS_OVERHEAD] = {m->c, m->a, ci, m->stsap, m->dtsap};
	unsigned sum = 0;
	for (size_t i = 0; i < HP_MBUS_OVERHEAD; i++)
		sum += fields[i];
	for (size_t i = 0; i < n; i++)
		sum += data[i];
	hp_buf_put(b, head, sizeof(head));
	hp_buf_put(b, fields, sizeof(fields));
	hp_buf_put(b, data, n);
	hp_buf_u8(b, (uint8_t)sum);
	hp_buf_u8(b, MBUS_STOP);
	return hp_buf_ok(b) ? 0 : -1;
}

int hp_enc_mbus_wrap(struct hp_buf *b, const struct hp_enc_mbus *m, const uint8_t *apdu, size_t n,
		     unsigned segments, size_t seg_max)
{
	if (seg_max == 0 || seg_max > HP_MBUS_WRAP_DATA_MAX)
		seg_max = HP_MBUS_DATA_MAX;
	size_t k = segments != 0 ? segments : (n + seg_max - 1) / seg_max;
	if (k == 0)
		k = 1;
	if (k > MBUS_SEGMENTS_MAX || (n + k - 1) / k > HP_MBUS_WRAP_DATA_MAX ||
	    (segments != 0 && n < k)) {
		hp_buf_fail(b);
		return -1;
	}
	size_t off = 0;
	for (size_t i = 0; i < k; i++) {
		size_t share;
		if (segments != 0)
			share = n / k + (i < n % k ? 1 : 0);
		else
			share = n - off < seg_max ? n - off : seg_max;
		uint8_t ci = (uint8_t)(i | (i + 1 == k ? MBUS_CI_FIN : 0));
		if (hp_enc_mbus_frame(b, m, ci, share > 0 ? apdu + off : NULL, share) != 0)
			return -1;
		off += share;
	}
	return 0;
}
