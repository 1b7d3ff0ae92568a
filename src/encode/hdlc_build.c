/* HDLC frame format type 3 (protocols.md (a)). No byte stuffing: the length field
 * delimits the frame. */
#include "crc.h"
#include "encode.h"

#define HDLC_FLAG         0x7E
#define HDLC_FORMAT_TYPE3 0xA000
#define HDLC_SEGMENT_BIT  0x0800
#define HDLC_CRC_LEN      2
#define LLC_LEN           3

static const uint8_t llc_header[LLC_LEN] = {0xE6, 0xE7, 0x00};

/* Bytes between the flags for an info field of n bytes. */
static size_t hdlc_l(const struct hp_enc_hdlc *h, size_t n)
{
	size_t hdr = 2 + (size_t)h->dst_len + h->src_len + 1;
	return n == 0 ? hdr + HDLC_CRC_LEN : hdr + HDLC_CRC_LEN + n + HDLC_CRC_LEN;
}

/* CRC over b->p[from, b->len), appended low byte first. */
static void put_crc(struct hp_buf *b, size_t from)
{
	if (!hp_buf_ok(b))
		return;
	hp_buf_le16(b, hp_crc16_x25(b->p + from, b->len - from));
}

/* One frame whose info field is pre[0..pn) followed by data[0..n). */
static int frame_parts(struct hp_buf *b, const struct hp_enc_hdlc *h, bool segmented,
		       const uint8_t *pre, size_t pn, const uint8_t *data, size_t n)
{
	size_t l = hdlc_l(h, pn + n);
	if (l > HP_HDLC_L_MAX || h->dst_len == 0 || h->dst_len > HP_HDLC_ADDR_MAX ||
	    h->src_len == 0 || h->src_len > HP_HDLC_ADDR_MAX) {
		hp_buf_fail(b);
		return -1;
	}
	hp_buf_u8(b, HDLC_FLAG);
	size_t from = b->len;
	hp_buf_be16(b, (uint16_t)(HDLC_FORMAT_TYPE3 | (segmented ? HDLC_SEGMENT_BIT : 0) | l));
	hp_buf_put(b, h->dst, h->dst_len);
	hp_buf_put(b, h->src, h->src_len);
	hp_buf_u8(b, h->control);
	if (pn + n > 0) {
		put_crc(b, from);
		hp_buf_put(b, pre, pn);
		hp_buf_put(b, data, n);
	}
	put_crc(b, from);
	hp_buf_u8(b, HDLC_FLAG);
	return hp_buf_ok(b) ? 0 : -1;
}

int hp_enc_hdlc_frame(struct hp_buf *b, const struct hp_enc_hdlc *h, bool segmented,
		      const uint8_t *info, size_t n)
{
	return frame_parts(b, h, segmented, NULL, 0, info, n);
}

int hp_enc_hdlc_wrap(struct hp_buf *b, const struct hp_enc_hdlc *h, bool llc, const uint8_t *apdu,
		     size_t n, unsigned segments)
{
	size_t pre = llc ? LLC_LEN : 0;
	size_t total = pre + n;
	size_t k = segments == 0 ? 1 : segments;
	/* Every frame carries at least one byte; the LLC header is not split. */
	if (total < k || (k > 1 && total / k < pre)) {
		hp_buf_fail(b);
		return -1;
	}
	size_t off = 0; /* offset in the info stream LLC + APDU */
	for (size_t i = 0; i < k; i++) {
		size_t share = total / k + (i < total % k ? 1 : 0);
		size_t pn = i == 0 ? pre : 0;
		size_t dn = share - pn;
		size_t at = off - (i == 0 ? 0 : pre);
		const uint8_t *part = dn > 0 ? apdu + at : NULL; /* apdu may be NULL when n is 0 */
		if (frame_parts(b, h, i + 1 < k, llc_header, pn, part, dn) != 0)
			return -1;
		off += share;
	}
	return 0;
}
