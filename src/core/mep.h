/* OSGP meters over the MEP port (docs: mep.md): the OMA digest, request frames,
 * the response framer and the table decoders. Pure: bytes in, bytes and readings out.
 * The client state machine that drives a meter is in mep_client.h. */
#ifndef HP_CORE_MEP_H
#define HP_CORE_MEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hanp1d/decode.h"
#include "hanp1d/reading.h"

/* The MBK is 20 characters of text; the digest key is the ASCII of the first 16. */
#define HP_MEP_MBK_LEN    20
#define HP_MEP_KEY_LEN    16
#define HP_MEP_DIGEST_LEN 8
/* A response LEN above this is noise (mep.md section 2). */
#define HP_MEP_LEN_MAX 1024
/* Our longest APDU is the EP39 procedure call (18 bytes). */
#define HP_MEP_APDU_MAX    32
#define HP_MEP_REQUEST_MAX (2 + HP_MEP_APDU_MAX + 4 + HP_MEP_DIGEST_LEN)

/* Tables (ANSI C12.19 ids; manufacturer tables are 0x0800 + n). */
enum {
	HP_MEP_BT01 = 0x0001,
	HP_MEP_BT07 = 0x0007,
	HP_MEP_BT08 = 0x0008,
	HP_MEP_BT21 = 0x0015,
	HP_MEP_BT23 = 0x0017,
	HP_MEP_BT28 = 0x001C,
	HP_MEP_BT52 = 0x0034,
	HP_MEP_ET03 = 0x0803,
	HP_MEP_ET11 = 0x080B,
	HP_MEP_ET13 = 0x080D,
	HP_MEP_ET50 = 0x0832,
	HP_MEP_ET58 = 0x083A,
};

/* APDU leading bytes and the EP39 "Post MEP Data" procedure id. */
#define HP_MEP_OP_FULL_READ    0x30
#define HP_MEP_OP_PARTIAL_READ 0x3F
#define HP_MEP_OP_FULL_WRITE   0x40
#define HP_MEP_EP39            0x0827

/* Response codes (mep.md section 4). */
enum {
	HP_MEP_OK = 0x00,
	HP_MEP_ERR_UNRECOGNIZED = 0x01,
	HP_MEP_ERR_UNSUPPORTED = 0x02,
	HP_MEP_ERR_PERMISSION = 0x03,
	HP_MEP_ERR_NOT_POSSIBLE = 0x04,
	HP_MEP_ERR_TABLE_OP = 0x05,
	HP_MEP_ERR_AUTH = 0x0B,
	HP_MEP_ERR_SEQUENCE = 0x0C,
};

/* "ok", "unrecognized", ..., "auth", "sequence", "unknown". */
const char *hp_mep_code_name(uint8_t code);

/* Digest key from an MBK: -1 unless the MBK is exactly HP_MEP_MBK_LEN printable characters. */
int hp_mep_key_from_mbk(const char *mbk, uint8_t key[HP_MEP_KEY_LEN]);

/* The OMA digest of m (APDU || SEQ) under a key of key_len bytes: 16 for MEP meters,
 * 12 for the published OSGP variant. */
void hp_mep_digest(const uint8_t *key, size_t key_len, const uint8_t *m, size_t n,
		   uint8_t out[HP_MEP_DIGEST_LEN]);

/* APDU builders; each returns the APDU length, 0 when it does not fit. */
size_t hp_mep_apdu_full_read(uint8_t *out, size_t cap, uint16_t table);
size_t hp_mep_apdu_partial_read(uint8_t *out, size_t cap, uint16_t table, uint32_t offset,
				uint16_t count);
size_t hp_mep_apdu_procedure(uint8_t *out, size_t cap, uint16_t procedure, uint8_t ss,
			     const uint8_t *params, size_t n);
/* The EP39 "Post MEP Data" call of the alert handshake (mep.md 5.3 step 4). */
size_t hp_mep_apdu_ep39(uint8_t *out, size_t cap, uint8_t ss);

/* A whole request frame: LEN | APDU | SEQ | digest. Returns its length, 0 when it does not fit. */
size_t hp_mep_request(const uint8_t key[HP_MEP_KEY_LEN], const uint8_t *apdu, size_t n,
		      uint32_t seq, uint8_t *out, size_t cap);

/* Response framer: bytes in any chunking, one whole frame at a time out. */
enum hp_mep_frame_kind { HP_MEP_FRAME_NONE, HP_MEP_FRAME_RESPONSE, HP_MEP_FRAME_ALERT };

struct hp_mep_framer {
	uint8_t buf[2 + HP_MEP_LEN_MAX];
	size_t have;
	uint64_t dropped; /* bytes thrown away as noise or partial frames */
};

void hp_mep_framer_init(struct hp_mep_framer *f);
/* Drops a partial frame (after silence); counts its bytes as dropped. */
void hp_mep_framer_reset(struct hp_mep_framer *f);
bool hp_mep_framer_partial(const struct hp_mep_framer *f);
/* Takes one byte. On a whole frame returns its kind and points *frame (valid until the
 * next call) at LEN+2 bytes; otherwise HP_MEP_FRAME_NONE. */
enum hp_mep_frame_kind hp_mep_framer_byte(struct hp_mep_framer *f, uint8_t b, const uint8_t **frame,
					  size_t *len);

/* One response frame taken apart. */
struct hp_mep_response {
	uint8_t code;
	const uint8_t *body; /* after CODE */
	size_t body_len;
	bool has_data; /* code 00 with COUNT: data = frame[5 : 5+COUNT] */
	const uint8_t *data;
	size_t data_len;
	uint32_t expected_seq; /* code 0C */
};

/* 0, or -1 with err malformed (a frame too short for its code, COUNT past LEN). */
int hp_mep_response_parse(const uint8_t *frame, size_t len, struct hp_mep_response *r,
			  struct hp_error *err);

/* BT21 ACT_REGS: the dimensions BT23 and BT28 are laid out by. */
struct hp_mep_regs {
	uint8_t flags1;
	uint8_t demands; /* PD */
	uint8_t values;  /* PV */
};

int hp_mep_bt21_parse(const uint8_t *d, size_t n, struct hp_mep_regs *regs, struct hp_error *err);
/* BT23 energy registers (Wh -> kWh). */
int hp_mep_bt23_apply(const struct hp_mep_regs *regs, const uint8_t *d, size_t n,
		      struct hp_reading *r, struct hp_error *err);
/* BT28 present values; unsupported when PV < 55 or the data end before index 54. */
int hp_mep_bt28_apply(const struct hp_mep_regs *regs, const uint8_t *d, size_t n,
		      struct hp_reading *r, struct hp_error *err);
/* BT01 manufacturer and model. */
int hp_mep_bt01_apply(const uint8_t *d, size_t n, struct hp_reading *r, struct hp_error *err);
/* ET03 utility serial number -> meter_id. */
int hp_mep_et03_apply(const uint8_t *d, size_t n, struct hp_reading *r, struct hp_error *err);
/* BT52 clock -> meter_time (GMT-flagged clocks converted to the process's local zone). */
int hp_mep_bt52_apply(const uint8_t *d, size_t n, struct hp_reading *r, struct hp_error *err);

/* Decodes the data of a response to a read of `table` into r (tables without readings
 * are accepted and leave r alone). regs may be NULL when BT21 is unknown: BT23 and BT28
 * then give unsupported. */
int hp_mep_table_apply(uint16_t table, const struct hp_mep_regs *regs, const uint8_t *d, size_t n,
		       struct hp_reading *r, struct hp_error *err);

#endif
