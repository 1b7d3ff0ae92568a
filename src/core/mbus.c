/* M-Bus long frame: 68 L L 68 | C A CI STSAP DTSAP data | CS 16 (protocols.md (b)). */
#include <string.h>

#include "mbus.h"

/* 68 L L 68 before C, CS and 16 after the user data. */
#define HEAD_LEN 4
#define TAIL_LEN 2
/* C, A, CI, STSAP, DTSAP: the least user data a DLMS wrapper frame carries. */
#define USER_MIN 5
/* L is one byte: a shorter L on a DLMS frame is the length wrap of one meter. */
#define WRAP 256

static uint8_t checksum(const uint8_t *p, size_t n)
{
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += p[i];
	return (uint8_t)sum;
}

/* L as used: the byte itself, or L + 256 for the wrap quirk. */
static size_t user_len(uint8_t l, bool *wrapped)
{
	*wrapped = l < USER_MIN;
	return *wrapped ? (size_t)l + WRAP : l;
}

void hp_mbus_probe(const uint8_t *buf, size_t avail, bool at_eof, struct hp_probe_result *res)
{
	(void)at_eof;
	res->len = 0;
	res->error.code = HP_ERR_NONE;
	if (buf[0] != HP_MBUS_START || (avail >= 3 && buf[1] != buf[2]) ||
	    (avail >= HEAD_LEN && buf[3] != HP_MBUS_START)) {
		res->status = HP_PROBE_NO;
		return;
	}
	if (avail < HEAD_LEN) {
		res->status = HP_PROBE_MORE;
		res->len = HEAD_LEN;
		return;
	}
	bool wrapped;
	size_t ulen = user_len(buf[1], &wrapped);
	size_t total = HEAD_LEN + ulen + TAIL_LEN;
	if (avail < total) {
		res->status = HP_PROBE_MORE;
		res->len = total;
		if (!wrapped)
			res->error.code = HP_ERR_TRUNCATED;
		return;
	}
	uint8_t cs = checksum(buf + HEAD_LEN, ulen);
	uint8_t got = buf[HEAD_LEN + ulen];
	uint8_t stop = buf[HEAD_LEN + ulen + 1];
	if (cs == got && stop == HP_MBUS_STOP) {
		res->status = HP_PROBE_FRAME;
		res->len = total;
		return;
	}
	if (wrapped) {
		res->status = HP_PROBE_NO;
		return;
	}
	res->status = HP_PROBE_BAD;
	res->len = total;
	if (cs != got)
		hp_error_set(&res->error, HP_ERR_CRC,
			     "M-Bus checksum: frame has %02X, computed %02X", got, cs);
	else
		hp_error_set(&res->error, HP_ERR_CRC,
			     "M-Bus checksum ok, but stop byte %02X instead of 16", stop);
}

bool hp_mbus_header(const uint8_t *frame, size_t len, struct hp_mbus_header *h)
{
	memset(h, 0, sizeof(*h));
	if (len < HEAD_LEN + USER_MIN + TAIL_LEN || frame[0] != HP_MBUS_START)
		return false;
	h->user_len = user_len(frame[1], &h->wrapped);
	if (HEAD_LEN + h->user_len + TAIL_LEN > len)
		return false;
	const uint8_t *u = frame + HEAD_LEN;
	h->c = u[0];
	h->a = u[1];
	h->ci = u[2];
	h->stsap = u[3];
	h->dtsap = u[4];
	h->data_off = HEAD_LEN + USER_MIN;
	h->data_len = h->user_len - USER_MIN;
	return true;
}
