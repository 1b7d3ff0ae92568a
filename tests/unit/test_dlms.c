/* DLMS data-notifications built from the layouts of protocols-meters.md (f): each
 * layout, the header date-time forms, the clock rules, scalers and units, bad
 * input, truncation at every byte, and the bare-APDU probe. */
#include <stdlib.h>

#include "axdr.h"
#include "check.h"
#include "dlms.h"
#include "dlms_layouts.h"
#include "sizes.h"
#include "obis_map.h"

/* ---- an APDU builder ---- */

#define APDU_BUILD_MAX 2048 /* the largest list built here is well under 1 KiB */

struct apdu {
	uint8_t b[APDU_BUILD_MAX];
	size_t n;
};

static void put(struct apdu *a, const uint8_t *p, size_t n)
{
	if (a->n + n > sizeof(a->b))
		abort();
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

#define PUT(a, ...) put(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

enum dt_form { DT_ABSENT, DT_UNTAGGED, DT_OCTET, DT_TAG19 };

/* 2025-01-15 Wed 12:00:00, deviation not specified, status 00 (protocols.md (a)). */
static const uint8_t DT_DOC[12] = {0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C,
				   0x00, 0x00, 0xFF, 0x80, 0x00, 0x00};
/* 2022-01-24 Mon 18:58:50, CET, status 80 (DST). */
static const uint8_t DT_LIST[12] = {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12,
				    0x3A, 0x32, 0xFF, 0xFF, 0xC4, 0x80};
/* 2000-01-01 22:33:00 with status 01 (invalid value). */
static const uint8_t DT_INVALID[12] = {0x07, 0xD0, 0x01, 0x01, 0x06, 0x16,
				       0x21, 0x00, 0xFF, 0x80, 0x00, 0x01};
/* 2019-12-16 07:59:40, status FF (not specified). */
static const uint8_t DT_NO_STATUS[12] = {0x07, 0xE3, 0x0C, 0x10, 0x01, 0x07,
					 0x3B, 0x28, 0xFF, 0x80, 0x00, 0xFF};

static void header(struct apdu *a, enum dt_form form, const uint8_t *dt)
{
	a->n = 0;
	PUT(a, 0x0F, 0x40, 0x00, 0x00, 0x00);
	switch (form) {
	case DT_ABSENT:
		PUT(a, 0x00);
		return;
	case DT_UNTAGGED:
		PUT(a, 0x0C);
		break;
	case DT_OCTET:
		PUT(a, 0x09, 0x0C);
		break;
	case DT_TAG19:
		PUT(a, 0x19);
		break;
	}
	put(a, dt, 12);
}

static void obis(struct apdu *a, uint8_t A, uint8_t B, uint8_t C, uint8_t D, uint8_t E)
{
	PUT(a, 0x09, 0x06, A, B, C, D, E, 0xFF);
}

static void u32(struct apdu *a, uint32_t v)
{
	PUT(a, 0x06, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v);
}

static void u16(struct apdu *a, uint16_t v)
{
	PUT(a, 0x12, (uint8_t)(v >> 8), (uint8_t)v);
}

static void i16(struct apdu *a, int16_t v)
{
	uint16_t u = (uint16_t)v;
	PUT(a, 0x10, (uint8_t)(u >> 8), (uint8_t)u);
}

static void str(struct apdu *a, uint8_t tag, const char *s)
{
	size_t n = strlen(s);
	PUT(a, tag, (uint8_t)n);
	put(a, (const uint8_t *)s, n);
}

static void date_time(struct apdu *a, const uint8_t *dt)
{
	PUT(a, 0x09, 0x0C);
	put(a, dt, 12);
}

static void su(struct apdu *a, int8_t scaler, uint8_t unit)
{
	PUT(a, 0x02, 0x02, 0x0F, (uint8_t)scaler, 0x16, unit);
}

/* ---- decoding ---- */

/* Decodes from an exact-size heap copy, so that ASan sees any read past the end. */
static int decode_traced(const struct apdu *a, struct hp_reading *r, struct hp_error *e,
			 const struct hp_trace *trace)
{
	uint8_t *copy = malloc(a->n ? a->n : 1);
	memcpy(copy, a->b, a->n);
	hp_reading_init(r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	memset(e, 0, sizeof(*e));
	int rc = hp_dlms_decode_notification(copy, a->n, r, e, trace);
	free(copy);
	return rc;
}

static int decode(const struct apdu *a, struct hp_reading *r, struct hp_error *e)
{
	return decode_traced(a, r, e, NULL);
}

static void check_num(const struct hp_reading *r, enum hp_num f, double want, int line)
{
	check_count++;
	if (!hp_reading_has(r, f)) {
		check_failures++;
		fprintf(stderr, "%s:%d: %s absent, want %.12g\n", __FILE__, line, hp_num_key(f),
			want);
		return;
	}
	CHECK_NEAR(r->num[f], want);
}

#define NUM(r, key, want) check_num(r, HP_NUM_##key, want, __LINE__)
#define NO_NUM(r, key)    CHECK_MSG(!hp_reading_has(r, HP_NUM_##key), "%s present", #key)
#define TEXT(r, key)      ((r)->text[HP_TEXT_##key])

/* ---- layout 1: Kamstrup ---- */

static void test_kamstrup(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	/* List 2, 1-phase, as the real meters send it: list id, pairs, null-data
	 * placeholders for the absent L2/L3 pairs; header clock 0C form. */
	header(&a, DT_UNTAGGED, DT_DOC);
	PUT(&a, 0x02, 0x15);
	str(&a, 0x0A, "Kamstrup_V0001");
	obis(&a, 1, 1, 0, 0, 5);
	str(&a, 0x0A, "5706567000000000");
	obis(&a, 1, 1, 96, 1, 1);
	str(&a, 0x0A, "6841121BN243101040");
	obis(&a, 1, 1, 1, 7, 0);
	u32(&a, 1896);
	obis(&a, 1, 1, 31, 7, 0);
	u32(&a, 896);
	PUT(&a, 0x00, 0x00); /* L2 current placeholder */
	obis(&a, 1, 1, 32, 7, 0);
	u16(&a, 225);
	obis(&a, 0, 1, 1, 0, 0);
	date_time(&a, DT_LIST);
	obis(&a, 1, 1, 1, 8, 0);
	u32(&a, 7745250);
	obis(&a, 1, 1, 3, 8, 0);
	u32(&a, 3573);
	obis(&a, 1, 1, 13, 7, 0);
	u16(&a, 98);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, LIST_ID), "Kamstrup_V0001");
	CHECK_STREQ(TEXT(&r, MANUFACTURER), "Kamstrup");
	CHECK_STREQ(TEXT(&r, METER_ID), "5706567000000000");
	CHECK_INT(r.meter_id_rank, HP_ID_VENDOR);
	CHECK_STREQ(TEXT(&r, METER_MODEL), "6841121BN243101040");
	NUM(&r, POWER_IMPORT_W, 1896);
	NUM(&r, L1_CURRENT_A, 8.96);
	NO_NUM(&r, L2_CURRENT_A);
	NUM(&r, L1_VOLTAGE_V, 225);
	NUM(&r, ENERGY_IMPORT_KWH, 77452.5);
	NUM(&r, REACTIVE_ENERGY_IMPORT_KVARH, 35.73);
	NUM(&r, POWER_FACTOR, 0.98);
	/* The list's clock object wins over the header date-time. */
	CHECK_STREQ(TEXT(&r, METER_TIME), "2022-01-24T18:58:50");
	CHECK_INT(r.meter_time_dst, 1);

	/* Denmark: the meter number 1.1.0.0.1.255 as a uint32, written in decimal. */
	header(&a, DT_UNTAGGED, DT_DOC);
	PUT(&a, 0x02, 0x05);
	str(&a, 0x0A, "Kamstrup_V0001");
	obis(&a, 1, 1, 0, 0, 1);
	u32(&a, 55281633);
	obis(&a, 1, 1, 2, 8, 0);
	u32(&a, 510943);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_ID), "55281633");
	NUM(&r, ENERGY_EXPORT_KWH, 5109.43);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2025-01-15T12:00:00");
	CHECK_INT(r.meter_time_dst, 0);

	/* The Kamstrup-only codes mean nothing in other lists. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x04);
	obis(&a, 1, 0, 0, 0, 1);
	u32(&a, 55281633);
	obis(&a, 1, 0, 31, 7, 0);
	u32(&a, 896);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_ID));
	NUM(&r, L1_CURRENT_A, 896); /* no maker: base unit A, scaler 0 */
	CHECK(!hp_reading_has_text(&r, HP_TEXT_MANUFACTURER));
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
}

/* ---- layout 2: Aidon, and the Kaifa MA309 mix ---- */

static void aidon_register(struct apdu *a, uint8_t C, uint8_t D, uint8_t E)
{
	PUT(a, 0x02, 0x03);
	obis(a, 1, 0, C, D, E);
}

static void build_aidon(struct apdu *a)
{
	header(a, DT_ABSENT, NULL);
	PUT(a, 0x01, 0x0D);
	PUT(a, 0x02, 0x02);
	obis(a, 1, 1, 0, 2, 129);
	str(a, 0x0A, "AIDON_V0001");
	PUT(a, 0x02, 0x02);
	obis(a, 0, 0, 96, 1, 0);
	str(a, 0x0A, "7359992890941742");
	PUT(a, 0x02, 0x02);
	obis(a, 0, 0, 96, 1, 7);
	str(a, 0x0A, "6525");
	/* The example of protocols-meters.md layout 2: 280 W. */
	PUT(a, 0x02, 0x03, 0x09, 0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x01,
	    0x18, 0x02, 0x02, 0x0F, 0x00, 0x16, 0x1B);
	aidon_register(a, 31, 7, 0);
	i16(a, 13);
	su(a, -1, 33);
	aidon_register(a, 32, 7, 0);
	u16(a, 2274);
	su(a, -1, 35);
	aidon_register(a, 1, 8, 0);
	u32(a, 2272138);
	su(a, 1, 30); /* Wh x 10 */
	aidon_register(a, 3, 8, 0);
	u32(a, 58243);
	su(a, 1, 32);
	aidon_register(a, 13, 7, 0);
	i16(a, -905);
	su(a, -3, 255);
	aidon_register(a, 14, 7, 0);
	u16(a, 4996);
	su(a, -2, 44);
	aidon_register(a, 2, 7, 0); /* a unit that does not fit: dropped */
	u32(a, 5);
	su(a, 0, 30);
	aidon_register(a, 9, 7, 0); /* apparent power in kilo (scaler 3) */
	u32(a, 2);
	su(a, 3, 28);
	PUT(a, 0x02, 0x02);
	obis(a, 0, 0, 1, 0, 0);
	date_time(a, DT_NO_STATUS);
}

static void test_aidon(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	build_aidon(&a);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, LIST_ID), "AIDON_V0001");
	CHECK_STREQ(TEXT(&r, MANUFACTURER), "Aidon");
	CHECK_STREQ(TEXT(&r, METER_ID), "7359992890941742");
	CHECK_INT(r.meter_id_rank, HP_ID_SERIAL);
	CHECK_STREQ(TEXT(&r, METER_MODEL), "6525");
	NUM(&r, POWER_IMPORT_W, 280);
	NUM(&r, L1_CURRENT_A, 1.3);
	NUM(&r, L1_VOLTAGE_V, 227.4);
	NUM(&r, ENERGY_IMPORT_KWH, 22721.38);
	NUM(&r, REACTIVE_ENERGY_IMPORT_KVARH, 582.43);
	NUM(&r, POWER_FACTOR, -0.905);
	NUM(&r, FREQUENCY_HZ, 49.96);
	NUM(&r, APPARENT_POWER_VA, 2000);
	NO_NUM(&r, POWER_EXPORT_W);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2019-12-16T07:59:40");
	CHECK_INT(r.meter_time_dst, -1);

	/* List 1: one register, no list name: no maker, no clock. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x01, 0x01, 0x02, 0x03, 0x09, 0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF, 0x06, 0x00,
	    0x00, 0x06, 0x7D, 0x02, 0x02, 0x0F, 0x00, 0x16, 0x1B);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, POWER_IMPORT_W, 1661);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_MANUFACTURER));
	CHECK(!hp_reading_has_text(&r, HP_TEXT_LIST_ID));
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
	CHECK_INT(r.meter_time_dst, -1);
}

static void test_kaifa_ma309(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	/* A bare OBIS/value clock pair, then {OBIS, value[, scaler-unit]} structures. */
	header(&a, DT_OCTET, DT_LIST);
	PUT(&a, 0x02, 0x07);
	obis(&a, 0, 0, 1, 0, 0);
	date_time(&a, DT_LIST);
	PUT(&a, 0x02, 0x02);
	obis(&a, 0, 0, 96, 1, 0);
	str(&a, 0x09, "1KFM9895292647");
	PUT(&a, 0x02, 0x02);
	obis(&a, 0, 0, 42, 0, 0);
	str(&a, 0x09, "KFM3760841440915");
	aidon_register(&a, 32, 7, 0);
	u16(&a, 2422);
	su(&a, -1, 35);
	aidon_register(&a, 31, 7, 0);
	u16(&a, 394);
	su(&a, -2, 33);
	aidon_register(&a, 2, 7, 0);
	u32(&a, 5251);
	su(&a, 0, 27);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_ID), "1KFM9895292647");     /* 96.1.0 wins over 42.0.0 */
	CHECK(!hp_reading_has_text(&r, HP_TEXT_MANUFACTURER)); /* a logical name "KFM" names none */
	CHECK(!hp_reading_has_text(&r, HP_TEXT_LIST_ID));
	NUM(&r, L1_VOLTAGE_V, 242.2);
	NUM(&r, L1_CURRENT_A, 3.94);
	NUM(&r, POWER_EXPORT_W, 5251);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2022-01-24T18:58:50");
	CHECK_INT(r.meter_time_dst, 1);

	/* Only the logical device name: it becomes the id. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x02, 0x02, 0x02);
	obis(&a, 0, 0, 42, 0, 0);
	str(&a, 0x09, "KFM3760841440915");
	aidon_register(&a, 1, 7, 0);
	u32(&a, 1);
	su(&a, 0, 27);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_ID), "KFM3760841440915");
	CHECK_INT(r.meter_id_rank, HP_ID_LOGICAL_NAME);
}

/* ---- layout 1 (Kaifa SE) and layout 3 (triplets) ---- */

static void test_kaifa_se(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x10);
	obis(&a, 1, 0, 0, 2, 129);
	str(&a, 0x09, "KFM_001");
	obis(&a, 0, 0, 96, 1, 0);
	str(&a, 0x09, "7340734073407340");
	obis(&a, 0, 0, 96, 1, 7);
	str(&a, 0x09, "MA304H4");
	obis(&a, 1, 0, 1, 7, 0);
	u32(&a, 2816);
	obis(&a, 1, 0, 31, 7, 0);
	u32(&a, 6781);
	obis(&a, 1, 0, 32, 7, 0);
	u32(&a, 2322);
	obis(&a, 0, 0, 1, 0, 0);
	date_time(&a, DT_LIST);
	obis(&a, 1, 0, 1, 8, 0);
	u32(&a, 4786979);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, LIST_ID), "KFM_001");
	CHECK_STREQ(TEXT(&r, MANUFACTURER), "Kaifa");
	CHECK_STREQ(TEXT(&r, METER_ID), "7340734073407340");
	CHECK_STREQ(TEXT(&r, METER_MODEL), "MA304H4");
	NUM(&r, POWER_IMPORT_W, 2816);
	NUM(&r, L1_CURRENT_A, 6.781);
	NUM(&r, L1_VOLTAGE_V, 232.2);
	NUM(&r, ENERGY_IMPORT_KWH, 4786.979);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2022-01-24T18:58:50");
}

static void triplet(struct apdu *a, uint8_t C, uint8_t D, uint8_t E)
{
	obis(a, 1, 0, C, D, E);
}

static void build_sagemcom(struct apdu *a, bool with_serial)
{
	header(a, DT_UNTAGGED, DT_DOC);
	PUT(a, 0x02, (uint8_t)(1 + 5 * 3 + 1 + (with_serial ? 2 : 0)));
	date_time(a, DT_LIST); /* leading, OBIS-less: the clock */
	if (with_serial) {
		obis(a, 0, 0, 96, 1, 0);
		str(a, 0x09, "SERIAL1");
	}
	triplet(a, 1, 8, 0);
	u32(a, 123282832);
	su(a, 0, 30);
	triplet(a, 1, 7, 0);
	u32(a, 10787);
	su(a, 0, 27);
	triplet(a, 32, 7, 0);
	u16(a, 2306);
	su(a, -1, 35);
	triplet(a, 31, 7, 0);
	u16(a, 1821);
	su(a, -2, 33);
	triplet(a, 13, 7, 0);
	i16(a, 605);
	su(a, -3, 255);
	str(a, 0x09, "374068124158"); /* trailing, OBIS-less: the meter number, 12 bytes */
}

static void test_triplets(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	build_sagemcom(&a, false);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_ID), "374068124158");
	CHECK_INT(r.meter_id_rank, HP_ID_PROFILE);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_MANUFACTURER));
	CHECK(!hp_reading_has_text(&r, HP_TEXT_LIST_ID));
	NUM(&r, ENERGY_IMPORT_KWH, 123282.832);
	NUM(&r, POWER_IMPORT_W, 10787);
	NUM(&r, L1_VOLTAGE_V, 230.6);
	NUM(&r, L1_CURRENT_A, 18.21);
	NUM(&r, POWER_FACTOR, 0.605);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2022-01-24T18:58:50");

	build_sagemcom(&a, true);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_ID), "SERIAL1"); /* 96.1.0 before the profile id */
	CHECK_INT(r.meter_id_rank, HP_ID_SERIAL);
}

/* ---- layout 4: Kaifa KFM_001 positional ---- */

static void build_kaifa(struct apdu *a, int n, bool three_phase)
{
	header(a, DT_OCTET, DT_DOC);
	PUT(a, 0x02, (uint8_t)n);
	str(a, 0x09, "KFM_001");
	str(a, 0x09, "6970631402614476");
	str(a, 0x09, three_phase ? "MA304H3E" : "MA105H2E");
	u32(a, 4904);
	u32(a, 0);
	u32(a, 0);
	u32(a, 377);
	u32(a, 14571);
	if (three_phase) {
		u32(a, 15643);
		u32(a, 9525);
	}
	u32(a, 2193);
	if (three_phase) {
		u32(a, 0); /* U2 on an IT grid: as sent */
		u32(a, 2205);
	}
	if (n == 9 || n == 13)
		return;
	date_time(a, DT_LIST);
	u32(a, 79591144);
	u32(a, 0);
	u32(a, 889389);
	u32(a, 3210932);
}

static void test_kaifa_positional(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	const struct {
		int n;
		bool three_phase;
	} lists[] = {{18, true}, {13, true}, {14, false}, {9, false}};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		build_kaifa(&a, lists[i].n, lists[i].three_phase);
		CHECK_INT(decode(&a, &r, &e), 0);
		CHECK_STREQ(TEXT(&r, LIST_ID), "KFM_001");
		CHECK_STREQ(TEXT(&r, MANUFACTURER), "Kaifa");
		CHECK_STREQ(TEXT(&r, METER_ID), "6970631402614476");
		CHECK_INT(r.meter_id_rank, HP_ID_PROFILE);
		CHECK_STREQ(TEXT(&r, METER_MODEL), lists[i].three_phase ? "MA304H3E" : "MA105H2E");
		NUM(&r, POWER_IMPORT_W, 4904);
		NUM(&r, REACTIVE_EXPORT_VAR, 377);
		NUM(&r, L1_CURRENT_A, 14.571);
		NUM(&r, L1_VOLTAGE_V, 219.3);
		if (lists[i].three_phase) {
			NUM(&r, L2_CURRENT_A, 15.643);
			NUM(&r, L2_VOLTAGE_V, 0);
			NUM(&r, L3_VOLTAGE_V, 220.5);
		} else {
			NO_NUM(&r, L2_CURRENT_A);
			NO_NUM(&r, L3_VOLTAGE_V);
		}
		if (lists[i].n == 18 || lists[i].n == 14) {
			NUM(&r, ENERGY_IMPORT_KWH, 79591.144);
			NUM(&r, REACTIVE_ENERGY_EXPORT_KVARH, 3210.932);
			CHECK_STREQ(TEXT(&r, METER_TIME), "2022-01-24T18:58:50");
		} else {
			NO_NUM(&r, ENERGY_IMPORT_KWH);
			CHECK_STREQ(TEXT(&r, METER_TIME), "2025-01-15T12:00:00");
		}
	}

	/* List 1: the worked example of protocols.md (a): structure(1) { uint32 1234 }. */
	const uint8_t doc[] = {0x0F, 0x40, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9,
			       0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80, 0x00,
			       0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2};
	a.n = 0;
	put(&a, doc, sizeof(doc));
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, POWER_IMPORT_W, 1234);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2025-01-15T12:00:00");
	CHECK_INT(r.meter_time_dst, 0);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_MANUFACTURER));
	CHECK(!hp_reading_has_text(&r, HP_TEXT_LIST_ID));

	/* KFM_001 with a count no profile has, or a string where a number belongs. */
	build_kaifa(&a, 13, true);
	a.b[19 + 1] = 12; /* element count 12 */
	a.n -= 5;
	CHECK_INT(decode(&a, &r, &e), -1);
	CHECK_INT(e.code, HP_ERR_UNSUPPORTED);
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x09);
	str(&a, 0x09, "KFM_001");
	str(&a, 0x09, "6970631402614476");
	str(&a, 0x09, "MA105H2E");
	str(&a, 0x09, "oops");
	for (int i = 0; i < 5; i++)
		u32(&a, 1);
	CHECK_INT(decode(&a, &r, &e), -1);
	CHECK_INT(e.code, HP_ERR_UNSUPPORTED);
	/* The Kaifa document types currents as signed: any number is accepted. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x09);
	str(&a, 0x09, "KFM_001");
	str(&a, 0x09, "6970631402614476");
	str(&a, 0x09, "MA105H2E");
	for (int i = 0; i < 4; i++)
		u32(&a, 1);
	PUT(&a, 0x05, 0x00, 0x00, 0x27, 0x10); /* double-long 10000 mA */
	PUT(&a, 0x00);                         /* U1 absent */
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, L1_CURRENT_A, 10);
	NO_NUM(&r, L1_VOLTAGE_V);
}

/* ---- layout 5: Iskraemeco ---- */

static void iskra_start(struct apdu *a, uint8_t n, const char *id)
{
	header(a, DT_OCTET, DT_DOC);
	PUT(a, 0x02, n);
	str(a, 0x09, "ISK1999646704246");
	str(a, 0x09, id);
}

static void test_iskra(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	/* n = 0x12: id (96.1.3), P+, P-, Q+, Q-, U1-3, I1-3, P+L1-3, P-L1-3. */
	iskra_start(&a, 0x12, "41401172");
	u32(&a, 9463);
	u32(&a, 0);
	u32(&a, 480);
	u32(&a, 300);
	u16(&a, 2331);
	u16(&a, 2354);
	u16(&a, 2404);
	u16(&a, 1360);
	u16(&a, 1970);
	u16(&a, 803);
	u32(&a, 3071);
	u32(&a, 4524);
	u32(&a, 1867);
	u32(&a, 0);
	u32(&a, 0);
	u32(&a, 0);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, MANUFACTURER), "Iskraemeco");
	CHECK_STREQ(TEXT(&r, METER_ID), "41401172"); /* the id, not the logical name */
	CHECK_INT(r.meter_id_rank, HP_ID_PROFILE);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_LIST_ID));
	NUM(&r, POWER_IMPORT_W, 9463);
	NUM(&r, REACTIVE_EXPORT_VAR, 300);
	NUM(&r, L1_VOLTAGE_V, 233.1);
	NUM(&r, L3_VOLTAGE_V, 240.4);
	NUM(&r, L1_CURRENT_A, 13.6);
	NUM(&r, L3_CURRENT_A, 8.03);
	NUM(&r, L2_POWER_IMPORT_W, 4524);
	NUM(&r, L3_POWER_EXPORT_W, 0);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2025-01-15T12:00:00");

	/* n = 0x0C with a boolean third: breaker, tariff, registers. */
	iskra_start(&a, 0x0C, "96120001");
	PUT(&a, 0x03, 0x01); /* breaker closed */
	PUT(&a, 0x11, 0x02); /* tariff 2 */
	for (uint32_t v = 1; v <= 8; v++)
		u32(&a, v * 1000);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, TARIFF, 2);
	NUM(&r, ENERGY_IMPORT_KWH, 1);
	NUM(&r, ENERGY_IMPORT_T1_KWH, 2);
	NUM(&r, ENERGY_IMPORT_T2_KWH, 3);
	NUM(&r, ENERGY_EXPORT_KWH, 4);
	NUM(&r, ENERGY_EXPORT_T2_KWH, 6);
	NUM(&r, REACTIVE_ENERGY_IMPORT_KVARH, 7);
	NUM(&r, REACTIVE_ENERGY_EXPORT_KVARH, 8);

	/* n = 0x0C with a uint16 third: U1-3, I1-3, P+, P-, Q+, Q-. */
	iskra_start(&a, 0x0C, "96120001");
	u16(&a, 2300);
	u16(&a, 2310);
	u16(&a, 2320);
	u16(&a, 101);
	u16(&a, 202);
	u16(&a, 303);
	u32(&a, 1500);
	u32(&a, 0);
	u32(&a, 20);
	u32(&a, 30);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, L2_VOLTAGE_V, 231);
	NUM(&r, L3_CURRENT_A, 3.03);
	NUM(&r, POWER_IMPORT_W, 1500);
	NUM(&r, REACTIVE_EXPORT_VAR, 30);
	NO_NUM(&r, TARIFF);

	/* n = 0x0A, element 7 uint16: 1-phase instantaneous. */
	iskra_start(&a, 0x0A, "96120001");
	u32(&a, 700);
	u32(&a, 0);
	u32(&a, 10);
	u32(&a, 0);
	u16(&a, 2299);
	u16(&a, 304);
	u32(&a, 700);
	u32(&a, 0);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, L1_VOLTAGE_V, 229.9);
	NUM(&r, L1_CURRENT_A, 3.04);
	NUM(&r, L1_POWER_IMPORT_W, 700);

	/* n = 0x0A, element 7 uint32: tariff registers. */
	iskra_start(&a, 0x0A, "96120001");
	for (uint32_t v = 1; v <= 8; v++)
		u32(&a, v * 500);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, ENERGY_IMPORT_T1_KWH, 0.5);
	NUM(&r, ENERGY_IMPORT_T2_KWH, 1);
	NUM(&r, ENERGY_EXPORT_T1_KWH, 1.5);
	NUM(&r, ENERGY_EXPORT_T2_KWH, 2);
	NO_NUM(&r, ENERGY_IMPORT_KWH); /* the decoder's finish step sums the tariffs */
	NO_NUM(&r, REACTIVE_ENERGY_IMPORT_KVARH);

	/* n = 0x08: U1, I1, P+, P-, Q+, Q-. */
	iskra_start(&a, 0x08, "96120001");
	u16(&a, 2288);
	u16(&a, 55);
	u32(&a, 120);
	u32(&a, 0);
	u32(&a, 5);
	u32(&a, 6);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, L1_VOLTAGE_V, 228.8);
	NUM(&r, L1_CURRENT_A, 0.55);
	NUM(&r, REACTIVE_IMPORT_VAR, 5);

	/* n = 0x04: ?, 1.8.0, 2.8.0. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x04);
	str(&a, 0x09, "ISK1999646704246");
	PUT(&a, 0x11, 0x07);
	u32(&a, 12345678);
	u32(&a, 42);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, ENERGY_IMPORT_KWH, 12345.678);
	NUM(&r, ENERGY_EXPORT_KWH, 0.042);
	CHECK_STREQ(TEXT(&r, METER_ID), "ISK1999646704246"); /* only the logical name */

	/* A name with a count no profile has. */
	iskra_start(&a, 0x05, "96120001");
	u32(&a, 1);
	u32(&a, 2);
	u32(&a, 3);
	CHECK_INT(decode(&a, &r, &e), -1);
	CHECK_INT(e.code, HP_ERR_UNSUPPORTED);
}

/* ---- layout 6: Landis+Gyr descriptors, Netz Burgenland ---- */

static void descriptor(struct apdu *a, uint16_t class_id, uint8_t A, uint8_t C, uint8_t D,
		       uint8_t E, uint8_t attribute)
{
	PUT(a, 0x02, 0x04, 0x12, (uint8_t)(class_id >> 8), (uint8_t)class_id, 0x09, 0x06, A, 0x00,
	    C, D, E, 0xFF, 0x0F, attribute, 0x12, 0x00, 0x00);
}

static void test_landis_gyr(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x0A, 0x01, 0x0A);
	descriptor(&a, 40, 0, 25, 9, 0, 2); /* the push object list itself */
	descriptor(&a, 8, 0, 1, 0, 0, 2);
	descriptor(&a, 1, 0, 96, 1, 0, 2);
	descriptor(&a, 3, 1, 1, 7, 0, 2);
	descriptor(&a, 3, 1, 1, 8, 0, 2);
	descriptor(&a, 3, 1, 32, 7, 0, 2);
	descriptor(&a, 3, 1, 31, 7, 0, 2);
	descriptor(&a, 3, 1, 2, 8, 0, 3); /* attribute 3 (scaler-unit): not a value */
	descriptor(&a, 3, 1, 52, 7, 0, 2);
	descriptor(&a, 3, 1, 99, 7, 0, 2); /* not in the table */
	date_time(&a, DT_LIST);
	str(&a, 0x09, "92581009");
	u32(&a, 10893);
	u32(&a, 48062337);
	u16(&a, 234);
	u16(&a, 49);
	u32(&a, 777);
	u16(&a, 240);
	u16(&a, 1);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_ID), "92581009");
	CHECK_INT(r.meter_id_rank, HP_ID_SERIAL);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_MANUFACTURER));
	CHECK_STREQ(TEXT(&r, METER_TIME), "2022-01-24T18:58:50");
	NUM(&r, POWER_IMPORT_W, 10893);
	NUM(&r, ENERGY_IMPORT_KWH, 48062.337);
	NUM(&r, L1_VOLTAGE_V, 234); /* whole volts */
	NUM(&r, L1_CURRENT_A, 0.49);
	NO_NUM(&r, ENERGY_EXPORT_KWH);
	NUM(&r, L2_VOLTAGE_V, 240);
}

static void build_burgenland(struct apdu *a, bool with_unknown)
{
	header(a, DT_ABSENT, NULL);
	PUT(a, 0x02, with_unknown ? 0x0E : 0x0B);
	u16(a, 231);
	u16(a, 232);
	u16(a, 233);
	u16(a, 123);
	u16(a, 45);
	u16(a, 6);
	u32(a, 2500);
	u32(a, 0);
	u32(a, 9876543);
	u32(a, 1000);
	if (with_unknown) {
		u16(a, 1);
		u16(a, 2);
		u16(a, 3);
	}
	str(a, 0x09, "1LGZ0012345678");
}

static void test_burgenland(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	for (int with_unknown = 0; with_unknown <= 1; with_unknown++) {
		build_burgenland(&a, with_unknown);
		CHECK_INT(decode(&a, &r, &e), 0);
		NUM(&r, L1_VOLTAGE_V, 231);
		NUM(&r, L3_VOLTAGE_V, 233);
		NUM(&r, L1_CURRENT_A, 1.23);
		NUM(&r, L3_CURRENT_A, 0.06);
		NUM(&r, POWER_IMPORT_W, 2500);
		NUM(&r, ENERGY_IMPORT_KWH, 9876.543);
		NUM(&r, ENERGY_EXPORT_KWH, 1);
		CHECK_STREQ(TEXT(&r, METER_ID), "1LGZ0012345678");
		CHECK(!hp_reading_has_text(&r, HP_TEXT_MANUFACTURER));
	}
	/* The same count with other types is not that profile. */
	build_burgenland(&a, false);
	a.b[7] = 0x06; /* U1 as a 4-byte type: the rest no longer lines up */
	CHECK_INT(decode(&a, &r, &e), -1);
}

/* ---- header forms, clock rules, errors ---- */

static void test_header_forms(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	const enum dt_form forms[] = {DT_UNTAGGED, DT_OCTET, DT_TAG19};
	for (size_t i = 0; i < 3; i++) {
		header(&a, forms[i], DT_DOC);
		PUT(&a, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2);
		CHECK_INT(decode(&a, &r, &e), 0);
		CHECK_STREQ(TEXT(&r, METER_TIME), "2025-01-15T12:00:00");
		CHECK_INT(r.meter_time_dst, 0);
		NUM(&r, POWER_IMPORT_W, 1234);
	}
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
	/* 09 00: an empty octet-string, no date-time. */
	a.n = 0;
	PUT(&a, 0x0F, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));

	/* Malformed headers. */
	const struct {
		const char *legend;
		uint8_t bytes[12];
		size_t len;
	} bad[] = {
	    {"not a data-notification", {0xC4, 0x40, 0, 0, 0, 0x00, 0x02, 0x01, 0x00}, 9},
	    {"empty", {0}, 0},
	    {"header cut", {0x0F, 0x40, 0x00, 0x00}, 4},
	    {"unknown date-time form", {0x0F, 0x40, 0, 0, 0, 0x05, 0x02, 0x01, 0x00}, 9},
	    {"octet-string of 5", {0x0F, 0x40, 0, 0, 0, 0x09, 0x05, 1, 2, 3, 4, 5}, 12},
	    {"date-time cut", {0x0F, 0x40, 0, 0, 0, 0x0C, 0x07, 0xE6, 0x01}, 9},
	    {"no body", {0x0F, 0x40, 0, 0, 0, 0x00}, 6},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.n = 0;
		put(&a, bad[i].bytes, bad[i].len);
		CHECK_MSG(decode(&a, &r, &e) == -1, "%s", bad[i].legend);
		CHECK_MSG(e.code == HP_ERR_MALFORMED, "%s: %d", bad[i].legend, (int)e.code);
		CHECK(e.detail[0] != '\0');
	}
}

static void test_clock_rules(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	/* An invalid list clock leaves the header's valid one. */
	header(&a, DT_UNTAGGED, DT_DOC);
	PUT(&a, 0x02, 0x04);
	obis(&a, 0, 0, 1, 0, 0);
	date_time(&a, DT_INVALID);
	obis(&a, 1, 0, 1, 7, 0);
	u32(&a, 5);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2025-01-15T12:00:00");
	/* An invalid header clock and no list clock: absent. */
	header(&a, DT_UNTAGGED, DT_INVALID);
	PUT(&a, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
	CHECK_INT(r.meter_time_dst, -1);
	/* An invalid header clock and a valid list clock: the list's. */
	header(&a, DT_TAG19, DT_INVALID);
	PUT(&a, 0x02, 0x02);
	obis(&a, 0, 0, 1, 0, 0);
	PUT(&a, 0x19);
	put(&a, DT_NO_STATUS, 12); /* a list clock with the date-time tag */
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK_STREQ(TEXT(&r, METER_TIME), "2019-12-16T07:59:40");
	CHECK_INT(r.meter_time_dst, -1);
	/* A clock code whose value is not a date-time is skipped. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x02);
	obis(&a, 0, 0, 1, 0, 0);
	u32(&a, 7);
	CHECK_INT(decode(&a, &r, &e), 0);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
}

static void test_body_errors(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	const struct {
		const char *legend;
		uint8_t body[16];
		size_t len;
		enum hp_error_code code;
	} cases[] = {
	    {"unknown tag", {0x02, 0x02, 0x11, 0x01, 0x07, 0x00}, 6, HP_ERR_MALFORMED},
	    {"compact-array", {0x02, 0x01, 0x13, 0x02, 0x11, 0x00}, 6, HP_ERR_UNSUPPORTED},
	    {"string past the end", {0x02, 0x01, 0x09, 0x10, 'a', 'b'}, 6, HP_ERR_MALFORMED},
	    {"count past the end", {0x01, 0x7F, 0x11, 0x00}, 4, HP_ERR_MALFORMED},
	    {"huge count", {0x01, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}, 7, HP_ERR_MALFORMED},
	    {"bad length form", {0x02, 0x80, 0x00}, 3, HP_ERR_MALFORMED},
	    {"value cut", {0x02, 0x01, 0x06, 0x00, 0x00}, 5, HP_ERR_MALFORMED},
	    {"body not a list", {0x06, 0x00, 0x00, 0x04, 0xD2}, 5, HP_ERR_UNSUPPORTED},
	    {"unknown layout",
	     {0x02, 0x03, 0x11, 0x01, 0x11, 0x02, 0x11, 0x03},
	     8,
	     HP_ERR_UNSUPPORTED},
	    {"empty list", {0x02, 0x00}, 2, HP_ERR_UNSUPPORTED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		header(&a, DT_ABSENT, NULL);
		put(&a, cases[i].body, cases[i].len);
		CHECK_MSG(decode(&a, &r, &e) == -1, "%s", cases[i].legend);
		CHECK_MSG(e.code == cases[i].code, "%s: %s (%s)", cases[i].legend,
			  hp_error_name(e.code), e.detail);
	}
	/* Nesting deeper than the limit. */
	header(&a, DT_ABSENT, NULL);
	for (int i = 0; i <= HP_AXDR_DEPTH_MAX; i++)
		PUT(&a, 0x02, 0x01);
	PUT(&a, 0x00);
	CHECK_INT(decode(&a, &r, &e), -1);
	CHECK_INT(e.code, HP_ERR_MALFORMED);
	/* More values than the pool holds. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x01, 0x82, (uint8_t)((HP_AXDR_NODES_MAX + 1) >> 8),
	    (uint8_t)(HP_AXDR_NODES_MAX + 1));
	for (int i = 0; i < HP_AXDR_NODES_MAX + 1; i++)
		PUT(&a, 0x00);
	CHECK_INT(decode(&a, &r, &e), -1);
	CHECK_INT(e.code, HP_ERR_UNSUPPORTED);
	/* Bytes after the body are ignored. */
	header(&a, DT_ABSENT, NULL);
	PUT(&a, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0xAA, 0xBB);
	CHECK_INT(decode(&a, &r, &e), 0);
	NUM(&r, POWER_IMPORT_W, 1234);
}

/* Every strict prefix of a valid notification is malformed, and never read past. */
static void test_truncation(void)
{
	struct apdu full, a;
	struct hp_reading r;
	struct hp_error e;
	build_aidon(&full);
	full.b[5] = 0x19; /* with a date-time in the header */
	memmove(full.b + 18, full.b + 6, full.n - 6);
	memcpy(full.b + 6, DT_DOC, 12);
	full.n += 12;
	CHECK_INT(decode(&full, &r, &e), 0);
	for (size_t len = 0; len < full.n; len++) {
		a.n = 0;
		put(&a, full.b, len);
		CHECK_MSG(decode(&a, &r, &e) == -1, "prefix %zu", len);
		CHECK_MSG(e.code == HP_ERR_MALFORMED, "prefix %zu: %s", len, hp_error_name(e.code));
	}
}

/* Random bytes after a valid header never crash or read out of bounds. */
static void test_garbage(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	uint32_t seed = 99;
	int ok = 0;
	for (int round = 0; round < 3000; round++) {
		header(&a, DT_ABSENT, NULL);
		PUT(&a, (uint8_t)(round % 2 ? 0x01 : 0x02), (uint8_t)(1 + round % 9));
		size_t len = (size_t)(round % 80);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1664525u + 1013904223u;
			uint8_t v = (uint8_t)(seed >> 24);
			/* Bias towards tags and small lengths so that layouts get tried. */
			a.b[a.n++] = (uint8_t)(i % 3 == 0 ? v % 0x1C : v);
		}
		int rc = decode(&a, &r, &e);
		ok += rc == 0;
		CHECK(rc == 0 || e.code == HP_ERR_MALFORMED || e.code == HP_ERR_UNSUPPORTED);
		/* What the probe delimits, the decoder can walk: never malformed. */
		struct hp_probe_result res;
		hp_dlms_probe_notification(a.b, a.n, false, &res);
		if (res.status == HP_PROBE_FRAME) {
			a.n = res.len;
			rc = decode(&a, &r, &e);
			CHECK_MSG(rc == 0 || e.code == HP_ERR_UNSUPPORTED, "round %d: %s", round,
				  e.detail);
		}
	}
	CHECK(ok < 3000);
}

/* ---- the probe ---- */

static void probe(const uint8_t *b, size_t n, struct hp_probe_result *res)
{
	uint8_t *copy = malloc(n ? n : 1);
	if (n > 0)
		memcpy(copy, b, n);
	hp_dlms_probe_notification(copy, n, false, res);
	free(copy);
}

static void test_probe(void)
{
	struct apdu a;
	struct hp_probe_result res;
	build_aidon(&a);
	size_t len = a.n;
	PUT(&a, 0x7E, 0x0F, 0x00); /* bytes after the notification */
	probe(a.b, a.n, &res);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, len);
	for (size_t n = 0; n < len; n++) {
		probe(a.b, n, &res);
		CHECK_MSG(res.status == HP_PROBE_MORE, "prefix %zu: %d", n, (int)res.status);
	}
	/* At the end of input an incomplete one is still MORE (the stream says
	 * `truncated`). */
	hp_dlms_probe_notification(a.b, len - 1, true, &res);
	CHECK_INT(res.status, HP_PROBE_MORE);

	/* Each date-time form delimits. */
	const enum dt_form forms[] = {DT_UNTAGGED, DT_OCTET, DT_TAG19};
	for (size_t i = 0; i < 3; i++) {
		header(&a, forms[i], DT_DOC);
		PUT(&a, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2);
		probe(a.b, a.n, &res);
		CHECK_INT(res.status, HP_PROBE_FRAME);
		CHECK_INT(res.len, a.n);
	}

	const struct {
		const char *legend;
		uint8_t bytes[24];
		size_t len;
	} no[] = {
	    {"not 0F", {0xDB, 0x08}, 2},
	    {"bad date-time form", {0x0F, 0, 0, 0, 0, 0x05, 0x02, 0x01, 0x00}, 9},
	    {"octet-string of 3", {0x0F, 0, 0, 0, 0, 0x09, 0x03, 0x02, 0x01, 0x00}, 10},
	    {"body is not a list", {0x0F, 0, 0, 0, 0, 0x00, 0x06, 0, 0, 0, 1}, 11},
	    {"empty list", {0x0F, 0, 0, 0, 0, 0x00, 0x02, 0x00}, 8},
	    {"unknown tag", {0x0F, 0, 0, 0, 0, 0x00, 0x02, 0x02, 0x11, 0x01, 0x07}, 11},
	    {"count beyond the APDU limit",
	     {0x0F, 0, 0, 0, 0, 0x00, 0x01, 0x82, 0x20, 0x00, 0x00},
	     11},
	    {"string beyond the APDU limit",
	     {0x0F, 0, 0, 0, 0, 0x00, 0x02, 0x01, 0x09, 0x83, 0x01, 0x00, 0x00},
	     13},
	    {"implausible clock",
	     {0x0F, 0,    0,    0,    0, 0x0C, 0x07, 0xE6, 0x0D, 0x40, 0x09,
	      0x30, 0x70, 0x70, 0xFF, 0, 0,    0,    0x02, 0x01, 0x00},
	     21},
	    {"compact-array", {0x0F, 0, 0, 0, 0, 0x00, 0x02, 0x01, 0x13, 0x00}, 10},
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		probe(no[i].bytes, no[i].len, &res);
		CHECK_MSG(res.status == HP_PROBE_NO, "%s: %d", no[i].legend, (int)res.status);
	}
	probe(NULL, 0, &res);
	CHECK_INT(res.status, HP_PROBE_MORE);
}

/* ---- trace ---- */

struct lines {
	int count;
	int layout;
	int element;
};

static void collect(void *ctx, int depth, const char *text)
{
	struct lines *l = ctx;
	l->count++;
	if (depth == 1 && strstr(text, "layout: OBIS list") != NULL)
		l->layout++;
	if (depth == 2 && strstr(text, "1.0.1.7.0.255") != NULL &&
	    strstr(text, "double-long-unsigned") != NULL && strstr(text, "power_import_w 280"))
		l->element++;
}

static void test_trace(void)
{
	struct apdu a;
	struct hp_reading r;
	struct hp_error e;
	struct lines l = {0, 0, 0};
	struct hp_trace trace = {collect, &l};
	build_aidon(&a);
	/* Zeroed first: the reading is compared byte for byte below, and
	 * hp_reading_init leaves the bytes behind absent values alone. */
	memset(&r, 0, sizeof(r));
	CHECK_INT(decode_traced(&a, &r, &e, &trace), 0);
	CHECK_INT(l.layout, 1);
	CHECK_INT(l.element, 1);
	CHECK(l.count >= 14);
	/* Tracing does not change the reading. */
	struct hp_reading plain;
	memset(&plain, 0, sizeof(plain));
	CHECK_INT(decode(&a, &plain, &e), 0);
	CHECK(memcmp(&plain, &r, sizeof(r)) == 0);
	/* Every layout traces without trouble. */
	struct lines other = {0, 0, 0};
	struct hp_trace t2 = {collect, &other};
	build_kaifa(&a, 18, true);
	CHECK_INT(decode_traced(&a, &r, &e, &t2), 0);
	build_burgenland(&a, true);
	CHECK_INT(decode_traced(&a, &r, &e, &t2), 0);
	build_sagemcom(&a, true);
	CHECK_INT(decode_traced(&a, &r, &e, &t2), 0);
	CHECK(other.count > 30);
}

/* ---- the tables ---- */

static void test_tables(void)
{
	size_t n;
	const struct hp_obis_entry *o = hp_obis_sparse_table(&n);
	for (size_t i = 1; i < n; i++)
		CHECK_MSG(o[i - 1].cde < o[i].cde, "sparse OBIS table out of order at %zu", i);
	for (size_t i = 0; i < n; i++) {
		uint8_t code[6] = {
		    0,   0, (uint8_t)(o[i].cde >> 16), (uint8_t)(o[i].cde >> 8), (uint8_t)o[i].cde,
		    0xFF};
		CHECK(hp_obis_lookup(code) == &o[i]);
	}
	for (unsigned c = 0; c < HP_OBIS_INSTANT_C_LIMIT; c++)
		CHECK(hp_obis_instant[c].cde == 0 ||
		      hp_obis_instant[c].cde == HP_OBIS_CDE(c, 7, 0));
	for (unsigned c = 1; c <= HP_OBIS_REGISTER_C_MAX; c++)
		for (unsigned e = 0; e < HP_OBIS_REGISTER_E_LIMIT; e++) {
			uint32_t cde = hp_obis_registers[c - 1][e].cde;
			CHECK(cde == 0 || cde == HP_OBIS_CDE(c, 8, e));
		}

	/* Reading-model codes, A and B ignored. */
	const struct {
		uint8_t c, d, e;
		int kind, field;
	} codes[] = {
	    {1, 7, 0, HP_TARGET_NUM, HP_NUM_POWER_IMPORT_W},
	    {4, 7, 0, HP_TARGET_NUM, HP_NUM_REACTIVE_EXPORT_VAR},
	    {9, 7, 0, HP_TARGET_NUM, HP_NUM_APPARENT_POWER_VA},
	    {62, 7, 0, HP_TARGET_NUM, HP_NUM_L3_POWER_EXPORT_W},
	    {73, 7, 0, HP_TARGET_NUM, HP_NUM_L3_POWER_FACTOR},
	    {1, 8, 4, HP_TARGET_NUM, HP_NUM_ENERGY_IMPORT_T4_KWH},
	    {2, 8, 0, HP_TARGET_NUM, HP_NUM_ENERGY_EXPORT_KWH},
	    {4, 8, 0, HP_TARGET_NUM, HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH},
	    {52, 32, 0, HP_TARGET_NUM, HP_NUM_L2_VOLTAGE_SAGS},
	    {72, 36, 0, HP_TARGET_NUM, HP_NUM_L3_VOLTAGE_SWELLS},
	    {96, 7, 21, HP_TARGET_NUM, HP_NUM_POWER_FAILURES},
	    {96, 14, 0, HP_TARGET_NUM, HP_NUM_TARIFF},
	    {96, 1, 0, HP_TARGET_ID, HP_ID_SERIAL},
	    {42, 0, 0, HP_TARGET_ID, HP_ID_LOGICAL_NAME},
	    {96, 1, 7, HP_TARGET_MODEL, 0},
	    {1, 0, 0, HP_TARGET_CLOCK, 0},
	    {0, 2, 129, HP_TARGET_LIST_ID, 0},
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		uint8_t code[6] = {1, 1, codes[i].c, codes[i].d, codes[i].e, 0xFF};
		const struct hp_obis_entry *hit = hp_obis_lookup(code);
		CHECK_MSG(hit != NULL, "%u.%u.%u", codes[i].c, codes[i].d, codes[i].e);
		if (hit == NULL)
			continue;
		CHECK_INT(hit->kind, codes[i].kind);
		if (codes[i].kind == HP_TARGET_NUM || codes[i].kind == HP_TARGET_ID)
			CHECK_INT(hit->field, codes[i].field);
	}
	const uint8_t unmapped[][6] = {{1, 0, 5, 7, 0, 0xFF}, {1, 0, 1, 8, 5, 0xFF},
				       {1, 0, 1, 9, 0, 0xFF}, {1, 0, 74, 7, 0, 0xFF},
				       {0, 0, 0, 0, 0, 0xFF}, {1, 0, 200, 7, 0, 0xFF}};
	for (size_t i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++)
		CHECK(hp_obis_lookup(unmapped[i]) == NULL);

	/* Named profiles are told apart by prefix, count and key type alone, and
	 * every profile has a row per element. */
	const struct hp_pos_profile *p = hp_dlms_profiles(&n);
	for (size_t i = 0; i < n; i++) {
		CHECK(p[i].count <= p[i].rows_len);
		CHECK(p[i].key_index <= p[i].count);
		for (size_t j = i + 1; j < n; j++) {
			bool same =
			    p[i].prefix != NULL && p[j].prefix != NULL &&
			    strcmp(p[i].prefix, p[j].prefix) == 0 && p[i].count == p[j].count &&
			    (p[i].key_index == 0 || p[j].key_index == 0 ||
			     (p[i].key_index == p[j].key_index && p[i].key_tag == p[j].key_tag));
			CHECK_MSG(!same, "%s and %s cannot be told apart", p[i].name, p[j].name);
		}
	}

	/* Makers named by list ids and logical names. */
	const struct hp_dlms_vendor *v =
	    hp_dlms_vendor_by_name((const uint8_t *)"Kamstrup_V0001", 14, false);
	CHECK(v != NULL && v->vendor == HP_VENDOR_KAMSTRUP);
	CHECK(hp_dlms_vendor_by_name((const uint8_t *)"AIDON_V0001", 11, false) != NULL);
	CHECK(hp_dlms_vendor_by_name((const uint8_t *)"KFM_001", 7, false) != NULL);
	CHECK(hp_dlms_vendor_by_name((const uint8_t *)"KFM3760", 7, true) == NULL);
	v = hp_dlms_vendor_by_name((const uint8_t *)"ISK123", 6, true);
	CHECK(v != NULL && strcmp(v->manufacturer, "Iskraemeco") == 0);
	CHECK(hp_dlms_vendor_by_name((const uint8_t *)"KF", 2, false) == NULL);
	CHECK_INT(hp_dlms_default_scaler(HP_VENDOR_KAMSTRUP, HP_Q_ENERGY), 1);
	CHECK_INT(hp_dlms_default_scaler(HP_VENDOR_KAIFA, HP_Q_CURRENT), -3);
	CHECK_INT(hp_dlms_default_scaler(HP_VENDOR_AIDON, HP_Q_CURRENT), 0);
}

int main(void)
{
	test_kamstrup();
	test_aidon();
	test_kaifa_ma309();
	test_kaifa_se();
	test_triplets();
	test_kaifa_positional();
	test_iskra();
	test_landis_gyr();
	test_burgenland();
	test_header_forms();
	test_clock_rules();
	test_body_errors();
	test_truncation();
	test_garbage();
	test_probe();
	test_trace();
	test_tables();
	return check_report("dlms");
}
