/* The frame encoder: builds the bytes a meter sends, layer by layer
 * (protocols.md (a)-(e), protocols-dsmr-serial.md (h)).
 *
 * Every builder appends to a bounded output buffer. A builder that runs out of
 * room, or is asked for something the wire format cannot express (an HDLC
 * length above 2047, an M-Bus segment number above 15), sets `overflow`; the
 * buffer then holds no valid frame and later appends do nothing. The frame
 * builders also return 0 or -1 so callers can stop early.
 *
 * Used by the tests (they must not depend on the shared vectors) and by the
 * simulator, which feeds the same builders a meter's evolving values. The meter
 * profiles built on these helpers are in meters.h. */
#ifndef HP_ENCODE_H
#define HP_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axdr.h"  /* enum hp_axdr_tag */
#include "cosem.h" /* enum hp_cosem_unit */

/* ---- bounded output buffer ---- */

struct hp_buf {
	uint8_t *p;
	size_t len, cap;
	bool overflow; /* sticky: set when an append did not fit or a field was unencodable */
};

void hp_buf_init(struct hp_buf *b, uint8_t *mem, size_t cap);
/* True while nothing has overflowed. */
bool hp_buf_ok(const struct hp_buf *b);
/* Marks the buffer as holding no valid output (a field that cannot be encoded). */
void hp_buf_fail(struct hp_buf *b);
void hp_buf_put(struct hp_buf *b, const void *src, size_t n);
void hp_buf_u8(struct hp_buf *b, uint8_t v);
void hp_buf_be16(struct hp_buf *b, uint16_t v);
void hp_buf_be32(struct hp_buf *b, uint32_t v);
void hp_buf_be64(struct hp_buf *b, uint64_t v);
void hp_buf_le16(struct hp_buf *b, uint16_t v);
void hp_buf_str(struct hp_buf *b, const char *s);
/* Decimal, zero-padded to at least `width` digits ("-" first when negative). */
void hp_buf_dec(struct hp_buf *b, int64_t v, unsigned width);
/* Fixed point: round(value * 10^decimals) written with `int_digits` zero-padded integer
 * digits and `decimals` (at most 9) fraction digits: (123.4567, 6, 3) -> 000123.457. */
void hp_buf_fixed(struct hp_buf *b, double value, unsigned int_digits, unsigned decimals);
/* Upper-case hex of n bytes, no separators. */
void hp_buf_hex(struct hp_buf *b, const uint8_t *p, size_t n);

/* ---- A-XDR (protocols.md (e)) ---- */

/* A-XDR tags used by the builders. */

/* A-XDR length: one byte below 128, else 81 nn, 82 nn nn, ... */
void hp_enc_length(struct hp_buf *b, size_t n);
/* A forced form: nbytes 0 = the shortest form, 1..4 = 0x80|nbytes and that many bytes
 * (a long form for a small value is legal A-XDR and some meters send it). */
void hp_enc_length_form(struct hp_buf *b, size_t n, unsigned nbytes);

void hp_enc_structure(struct hp_buf *b, size_t count);
void hp_enc_array(struct hp_buf *b, size_t count);
void hp_enc_null(struct hp_buf *b);
void hp_enc_bool(struct hp_buf *b, bool v);
void hp_enc_u8(struct hp_buf *b, uint8_t v);
void hp_enc_i8(struct hp_buf *b, int8_t v);
void hp_enc_u16(struct hp_buf *b, uint16_t v);
void hp_enc_i16(struct hp_buf *b, int16_t v);
void hp_enc_u32(struct hp_buf *b, uint32_t v);
void hp_enc_i32(struct hp_buf *b, int32_t v);
void hp_enc_u64(struct hp_buf *b, uint64_t v);
void hp_enc_i64(struct hp_buf *b, int64_t v);
void hp_enc_enum(struct hp_buf *b, uint8_t v);
/* Writes an integer of the given numeric tag (05 06 0F 10 11 12 14 15 16), clamping v
 * to the type's range. Other tags set overflow. */
void hp_enc_integer(struct hp_buf *b, uint8_t tag, int64_t v);
void hp_enc_octets(struct hp_buf *b, const uint8_t *p, size_t n);
void hp_enc_octet_text(struct hp_buf *b, const char *s); /* 09 len ASCII */
void hp_enc_visible(struct hp_buf *b, const char *s);    /* 0A len ASCII */
/* 09 06 A B C D E F */
void hp_enc_obis(struct hp_buf *b, const uint8_t obis[6]);
/* 02 02 0F scaler 16 unit */
void hp_enc_scaler_unit(struct hp_buf *b, int8_t scaler, uint8_t unit);

/* COSEM date-time (protocols.md (e)). weekday 0 = computed from the date. */
struct hp_enc_datetime {
	uint16_t year;
	uint8_t month, day, weekday, hour, minute, second, hundredths;
	int16_t deviation; /* minutes, UTC = local + deviation; INT16_MIN = not specified */
	uint8_t status;    /* bit 7 DST, bit 0 invalid; 0xFF = not specified */
};

#define HP_DEVIATION_UNSPECIFIED INT16_MIN
#define HP_DATETIME_LEN          12

/* 1 = Monday .. 7 = Sunday, for years 1583..9999. */
uint8_t hp_enc_weekday(uint16_t year, uint8_t month, uint8_t day);
/* The 12 raw bytes. */
void hp_enc_datetime_raw(struct hp_buf *b, const struct hp_enc_datetime *dt);
/* 09 0C + 12 bytes: the clock object's value. */
void hp_enc_datetime_octets(struct hp_buf *b, const struct hp_enc_datetime *dt);

/* How a data-notification header carries its date-time (protocols.md (e)). */
enum hp_enc_dt_form {
	HP_DT_ABSENT, /* 00 */
	HP_DT_BARE,   /* 0C + 12 (Kamstrup) */
	HP_DT_OCTET,  /* 09 0C + 12 (Kaifa NO) */
	HP_DT_TAGGED, /* 19 + 12 */
};

/* 0F, invoke-id (4), date-time in the chosen form; the body follows. */
void hp_enc_dn_header(struct hp_buf *b, uint32_t invoke_id, enum hp_enc_dt_form form,
		      const struct hp_enc_datetime *dt);

/* LLC E6 E7 00 */
void hp_enc_llc(struct hp_buf *b);

/* ---- HDLC type 3 (protocols.md (a)) ---- */

#define HP_HDLC_ADDR_MAX 4
/* L is 11 bits. */
#define HP_HDLC_L_MAX 2047

struct hp_enc_hdlc {
	uint8_t dst[HP_HDLC_ADDR_MAX]; /* as sent: the last byte has bit 0 set */
	uint8_t src[HP_HDLC_ADDR_MAX];
	uint8_t dst_len, src_len;
	uint8_t control;
};

/* One frame: 7E, format (S bit when `segmented`), addresses, control, HCS, info, FCS,
 * 7E. An empty info field gives a frame with the FCS only. */
int hp_enc_hdlc_frame(struct hp_buf *b, const struct hp_enc_hdlc *h, bool segmented,
		      const uint8_t *info, size_t n);
/* An APDU in `segments` frames (0 or 1 = one frame), S set on all but the last. The
 * LLC header (when `llc`) goes only at the start of the first frame's info field.
 * The info bytes are split as evenly as possible. */
int hp_enc_hdlc_wrap(struct hp_buf *b, const struct hp_enc_hdlc *h, bool llc, const uint8_t *apdu,
		     size_t n, unsigned segments);

/* ---- M-Bus long frame (protocols.md (b)) ---- */

/* L counts C, A, CI, STSAP, DTSAP and the data. */
#define HP_MBUS_OVERHEAD 5
/* Usual most data per frame (L <= 255). */
#define HP_MBUS_DATA_MAX 250
/* The Sagemcom length wrap sends L = 256..260 as its low byte (L < 5). */
#define HP_MBUS_WRAP_DATA_MAX 255

struct hp_enc_mbus {
	uint8_t c, a, stsap, dtsap;
};

/* One long frame with the given CI. Data above 250 bytes (up to 255) is sent with only
 * the low byte of L, the Sagemcom length wrap. */
int hp_enc_mbus_frame(struct hp_buf *b, const struct hp_enc_mbus *m, uint8_t ci,
		      const uint8_t *data, size_t n);
/* An APDU in segments: CI = segment number, | 0x10 on the last. segments = 0: as few
 * frames as `seg_max` data bytes each allow, filled in order (so seg_max 252 gives the
 * Sagemcom wrap: a full 257-byte first segment); segments = N: N frames, split evenly. */
int hp_enc_mbus_wrap(struct hp_buf *b, const struct hp_enc_mbus *m, const uint8_t *apdu, size_t n,
		     unsigned segments, size_t seg_max);

/* ---- general block transfer (protocols.md (c)) ---- */

#define HP_GBT_LAST      0x80
#define HP_GBT_STREAMING 0x40

/* E0 control BN(2) BNA(2) A-XDR length data. */
void hp_enc_gbt_block(struct hp_buf *b, uint8_t control, uint16_t bn, uint16_t bna,
		      const uint8_t *data, size_t n);
/* How many blocks of block_size bytes an APDU of n bytes needs. */
size_t hp_enc_gbt_count(size_t n, size_t block_size);
/* Block bn (from 1) of the APDU: control 40 (streaming) on all but the last, C0 on
 * the last (as L&G E450 sends). */
int hp_enc_gbt_nth(struct hp_buf *b, const uint8_t *apdu, size_t n, size_t block_size, uint16_t bn);

/* ---- general-glo-ciphering (protocols.md (d)) ---- */

#define HP_ENC_KEY_LEN   16
#define HP_ENC_TITLE_LEN 8
#define HP_ENC_TAG_LEN   12

/* Security control bits. */
#define HP_SC_AUTH     0x10
#define HP_SC_ENCRYPT  0x20
#define HP_SC_COMPRESS 0x80

struct hp_enc_ggc {
	uint8_t title[HP_ENC_TITLE_LEN]; /* IV = title || IC */
	uint8_t title_len; /* bytes of the title sent after DB: 8, or 0 (Elgama style) */
	uint8_t sc;        /* 30, 20, 21, 10, ... */
	uint32_t ic;
	uint8_t ek[HP_ENC_KEY_LEN];
	uint8_t ak[HP_ENC_KEY_LEN];
	uint8_t len_form; /* LEN form: 0 shortest, 1..4 force 81..84 */
};

/* DB title LEN SC IC payload [tag]. SC bit 5 encrypts (AES-128-GCM keystream, IV =
 * title || IC), bit 4 adds the 12-byte tag with AAD = SC || AK (|| plaintext when not
 * encrypted: GMAC). Returns -1 when the crypto library fails. */
int hp_enc_ggc(struct hp_buf *b, const struct hp_enc_ggc *g, const uint8_t *plain, size_t n);

/* ---- DSMR telegram (protocols-dsmr-serial.md (h)) ---- */

enum hp_enc_dsmr_crc {
	HP_DSMR_CRC_PADDED,   /* !58E8 */
	HP_DSMR_CRC_UNPADDED, /* !B9F: no leading zeros */
	HP_DSMR_CRC_NONE,     /* a bare ! (DSMR 2.2/3) */
	HP_DSMR_CRC_LOWER,    /* !58e8 */
};

struct hp_enc_dsmr {
	struct hp_buf *b;
	size_t start; /* offset of the '/' */
	bool lf_only;
	enum hp_enc_dsmr_crc crc;
};

/* Writes "/" ident, then two line ends. */
void hp_enc_dsmr_begin(struct hp_enc_dsmr *t, struct hp_buf *b, const char *ident, bool lf_only,
		       enum hp_enc_dsmr_crc crc);
/* One line end (CR LF or LF). Lines are written with hp_buf_* then ended with this. */
void hp_enc_dsmr_eol(struct hp_enc_dsmr *t);
/* A whole line: text then a line end. */
void hp_enc_dsmr_line(struct hp_enc_dsmr *t, const char *text);
/* "!" then the CRC over '/'..'!' in the chosen form, then a line end. Returns the CRC. */
uint16_t hp_enc_dsmr_end(struct hp_enc_dsmr *t);
/* YYMMDDhhmmss then S (status bit 7) or W; `with_dst` false omits the letter. */
void hp_enc_dsmr_timestamp(struct hp_buf *b, const struct hp_enc_datetime *dt, bool with_dst);

#endif
