/* DSMR / P1: the telegram probe (framing, CRC) and the decoder (OBIS lines -> reading).
 *
 * Every telegram here is written inline from protocols-dsmr-serial.md (h) and
 * reading-model.md; the CRC is computed with crc.c's hp_crc16_arc, an implementation
 * independent of the probe's own. Lines are written with "\n" and sent with CR LF
 * unless a case says LF only. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crc.h"
#include "dsmr.h"
#include "dsmr_lex.h"
#include "dsmr_obis.h"
#include "sizes.h"

/* Room for the largest telegram a test builds (the oversized one goes past the limit). */
#define BUF_MAX (HP_TELEGRAM_MAX + 4096)

enum crc_form { CRC_PADDED, CRC_UNPADDED, CRC_LOWER, CRC_NONE };

struct telegram {
	char b[BUF_MAX];
	size_t len;
	size_t bang; /* offset of the '!' */
};

/* Builds a telegram from text written with "\n" line ends and ending in '!': the line
 * ends become CR LF (or stay LF), then the CRC in the given form and a line end. */
static void build(struct telegram *t, const char *text, bool crlf, enum crc_form form)
{
	size_t n = 0;
	for (const char *s = text; *s && n + 2 < sizeof(t->b); s++) {
		if (*s == '\n' && crlf)
			t->b[n++] = '\r';
		t->b[n++] = *s;
	}
	t->bang = n - 1;
	unsigned crc = hp_crc16_arc((const uint8_t *)t->b, n);
	size_t room = sizeof(t->b) - n;
	switch (form) {
	case CRC_PADDED:
		n += (size_t)snprintf(t->b + n, room, "%04X", crc);
		break;
	case CRC_UNPADDED:
		n += (size_t)snprintf(t->b + n, room, "%X", crc);
		break;
	case CRC_LOWER:
		n += (size_t)snprintf(t->b + n, room, "%04x", crc);
		break;
	case CRC_NONE:
		break;
	}
	n += (size_t)snprintf(t->b + n, sizeof(t->b) - n, "%s", crlf ? "\r\n" : "\n");
	t->len = n;
}

static struct hp_probe_result probe(const void *buf, size_t avail, bool at_eof)
{
	struct hp_probe_result res;
	memset(&res, 0xA5, sizeof(res));
	hp_dsmr_probe(buf, avail, at_eof, &res);
	return res;
}

/* Probes and decodes "/" header "\n\n" lines "!": the telegram must frame and decode. */
static struct hp_reading decode_lines(const char *header, const char *lines)
{
	static struct telegram t;
	char text[BUF_MAX];
	snprintf(text, sizeof(text), "/%s\n\n%s!", header, lines);
	build(&t, text, true, CRC_PADDED);
	struct hp_probe_result res = probe(t.b, t.len, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.len);
	struct hp_reading r;
	struct hp_error err = {0};
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	CHECK_INT(hp_dsmr_decode((const uint8_t *)t.b, t.len, &r, &err, NULL), 0);
	return r;
}

static struct hp_reading decode_body(const char *lines)
{
	return decode_lines("XYZ5TEST", lines);
}

/* protocols-dsmr-serial.md (h), the worked CRC example: "!58E8". */
static void test_worked_example(void)
{
	static const char text[] = "/XYZ5TESTMETER\r\n"
				   "\r\n"
				   "1-3:0.2.8(50)\r\n"
				   "0-0:1.0.0(250115120000W)\r\n"
				   "1-0:1.8.1(000123.456*kWh)\r\n"
				   "1-0:1.7.0(01.234*kW)\r\n"
				   "!58E8\r\n";
	size_t len = sizeof(text) - 1;
	CHECK_INT(hp_crc16_arc((const uint8_t *)text, len - 6), 0x58E8);
	struct hp_probe_result res = probe(text, len, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, len);
	CHECK_INT(res.error.code, HP_ERR_NONE);

	struct hp_reading r;
	struct hp_error err = {0};
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	CHECK_INT(hp_dsmr_decode((const uint8_t *)text, len, &r, &err, NULL), 0);
	CHECK_STREQ(r.text[HP_TEXT_DSMR_VERSION], "50");
	CHECK_STREQ(r.text[HP_TEXT_METER_TIME], "2025-01-15T12:00:00");
	CHECK_INT(r.meter_time_dst, 0);
	CHECK_STREQ(r.text[HP_TEXT_METER_MODEL], "TESTMETER");
	/* The nearest double, not an accumulation of x 0.1 steps. */
	CHECK(hp_reading_has(&r, HP_NUM_ENERGY_IMPORT_T1_KWH));
	CHECK(r.num[HP_NUM_ENERGY_IMPORT_T1_KWH] == 123.456);
	CHECK(r.num[HP_NUM_POWER_IMPORT_W] == 1234.0);
	CHECK_INT(r.mbus_count, 0);
	CHECK_INT(r.failure_count, -1);
	CHECK_INT(r.peak_count, -1);
}

/* The unit table of reading-model.md, one line per case. */
static const struct {
	const char *legend;
	const char *line;
	enum hp_num field;
	bool present;
	double value;
} unit_cases[] = {
    {"kW -> W x1000", "1-0:1.7.0(01.234*kW)\n", HP_NUM_POWER_IMPORT_W, true, 1234},
    {"W as sent", "1-0:1.7.0(000000286*W)\n", HP_NUM_POWER_IMPORT_W, true, 286},
    {"kvar -> var", "1-0:3.7.0(0000.200*kvar)\n", HP_NUM_REACTIVE_IMPORT_VAR, true, 200},
    {"kVAr -> var", "1-0:4.7.0(0000.308*kVAr)\n", HP_NUM_REACTIVE_EXPORT_VAR, true, 308},
    {"var as sent", "1-0:4.7.0(000000166*var)\n", HP_NUM_REACTIVE_EXPORT_VAR, true, 166},
    {"kWh as sent", "1-0:1.8.1(000123.456*kWh)\n", HP_NUM_ENERGY_IMPORT_T1_KWH, true, 123.456},
    {"kvarh as sent", "1-0:3.8.0(00000003.642*kvarh)\n", HP_NUM_REACTIVE_ENERGY_IMPORT_KVARH, true,
     3.642},
    {"kVArh as sent", "1-0:4.8.0(00000518.309*kVArh)\n", HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH, true,
     518.309},
    {"Wh -> kWh /1000", "1-0:1.8.0(006545766*Wh)\n", HP_NUM_ENERGY_IMPORT_KWH, true, 6545.766},
    {"varh -> kvarh /1000", "1-0:4.8.0(003897726*varh)\n", HP_NUM_REACTIVE_ENERGY_EXPORT_KVARH,
     true, 3897.726},
    {"V", "1-0:32.7.0(230.1*V)\n", HP_NUM_L1_VOLTAGE_V, true, 230.1},
    {"A", "1-0:51.7.0(001*A)\n", HP_NUM_L2_CURRENT_A, true, 1},
    {"Hz", "1-0:14.7.0(50.00*Hz)\n", HP_NUM_FREQUENCY_HZ, true, 50},
    {"unit case-insensitive", "1-0:2.7.0(00.100*KW)\n", HP_NUM_POWER_EXPORT_W, true, 100},
    {"unit lower case v", "1-0:72.7.0(229.5*v)\n", HP_NUM_L3_VOLTAGE_V, true, 229.5},
    {"unknown unit dropped", "1-0:1.7.0(1.000*MW)\n", HP_NUM_POWER_IMPORT_W, false, 0},
    {"long unknown unit dropped", "1-0:1.7.0(1.000*kWatt)\n", HP_NUM_POWER_IMPORT_W, false, 0},
    {"unit of another quantity dropped", "1-0:1.7.0(1.000*kWh)\n", HP_NUM_POWER_IMPORT_W, false, 0},
    {"no unit taken as sent", "1-0:1.7.0(00.5)\n", HP_NUM_POWER_IMPORT_W, true, 0.5},
    {"empty value absent", "1-0:1.7.0()\n", HP_NUM_POWER_IMPORT_W, false, 0},
    {"power factor", "1-0:13.7.0(0.998)\n", HP_NUM_POWER_FACTOR, true, 0.998},
    {"negative power factor", "1-0:33.7.0(-0.50)\n", HP_NUM_L1_POWER_FACTOR, true, -0.5},
    {"tariff 0002 -> 2", "0-0:96.14.0(0002)\n", HP_NUM_TARIFF, true, 2},
    {"power failures", "0-0:96.7.21(00015)\n", HP_NUM_POWER_FAILURES, true, 15},
    {"long power failures", "0-0:96.7.9(00007)\n", HP_NUM_LONG_POWER_FAILURES, true, 7},
    {"sags", "1-0:52.32.0(00002)\n", HP_NUM_L2_VOLTAGE_SAGS, true, 2},
    {"swells", "1-0:72.36.0(00001)\n", HP_NUM_L3_VOLTAGE_SWELLS, true, 1},
    {"per-phase export", "1-0:62.7.0(00.954*kW)\n", HP_NUM_L3_POWER_EXPORT_W, true, 954},
    {"T4 register", "1-0:2.8.4(000000.001*kWh)\n", HP_NUM_ENERGY_EXPORT_T4_KWH, true, 0.001},
    {"EasyMeter *255", "1-0:1.8.0*255(00052185.7825309*kWh)\n", HP_NUM_ENERGY_IMPORT_KWH, true,
     52185.7825309},
    {"EasyMeter W", "1-0:21.7.0*255(000747.85*W)\n", HP_NUM_L1_POWER_IMPORT_W, true, 747.85},
    {"historical *01 not mapped", "1-0:1.8.0*01(000001.000*kWh)\n", HP_NUM_ENERGY_IMPORT_KWH, false,
     0},
    {"value continued on the next line", "1-0:1.7.0(01.5\n00*kW)\n", HP_NUM_POWER_IMPORT_W, true,
     1500},
    {"bad number skipped", "1-0:1.7.0(1x5*kW)\n", HP_NUM_POWER_IMPORT_W, false, 0},
};

static void test_units(void)
{
	for (size_t i = 0; i < sizeof(unit_cases) / sizeof(unit_cases[0]); i++) {
		/* Each line alone, and again after a filler line (so it is parsed both near
		 * the end of the text and away from it). */
		for (int pass = 0; pass < 2; pass++) {
			char lines[256];
			snprintf(lines, sizeof(lines), "%s%s", unit_cases[i].line,
				 pass ? "0-0:96.3.10(1)\n1-0:99.99.99(0)\n" : "");
			struct hp_reading r = decode_body(lines);
			enum hp_num f = unit_cases[i].field;
			CHECK_MSG(hp_reading_has(&r, f) == unit_cases[i].present, "%s",
				  unit_cases[i].legend);
			if (unit_cases[i].present)
				CHECK_MSG(r.num[f] == unit_cases[i].value, "%s: %.17g",
					  unit_cases[i].legend, r.num[f]);
		}
	}
}

/* Belgian e-MUCS lines (protocols-dsmr-serial.md (h), multi-value lines). */
static void test_belgian(void)
{
	struct hp_reading r = decode_lines(
	    "FLU5\\253769484_A",
	    "0-0:96.1.4(50217)\n"
	    "0-0:96.1.1(3153414733313031303231363035)\n"
	    "0-0:1.0.0(200512135409S)\n"
	    "1-0:1.4.0(02.351*kW)\n"
	    "1-0:1.6.0(200509134558S)(02.589*kW)\n"
	    "0-0:98.1.0(3)(1-0:1.6.0)(1-0:1.6.0)(200501000000S)(200423192538S)(03.695*kW)"
	    "(200401000000S)(632525252525W)(05.980*kW)(200301000000S)(200210035421W)(4318*W)\n"
	    "0-0:96.14.0(0001)\n"
	    "0-1:24.1.0(003)\n"
	    "0-1:96.1.1(37464C4F32313139303333373333)\n"
	    "0-1:24.2.3(200512134558S)(00112.384*m3)\n");
	CHECK_STREQ(r.text[HP_TEXT_METER_MODEL], "53769484_A");
	CHECK_STREQ(r.text[HP_TEXT_DSMR_VERSION], "50217");
	CHECK_STREQ(r.text[HP_TEXT_METER_ID], "1SAG3101021605");
	CHECK_STREQ(r.text[HP_TEXT_METER_TIME], "2020-05-12T13:54:09");
	CHECK_INT(r.meter_time_dst, 1);
	CHECK_NEAR(r.num[HP_NUM_DEMAND_AVG_W], 2351);
	CHECK(hp_reading_has(&r, HP_NUM_DEMAND_MONTH_MAX_W));
	CHECK_NEAR(r.num[HP_NUM_DEMAND_MONTH_MAX_W], 2589);
	CHECK_STREQ(r.text[HP_TEXT_DEMAND_MONTH_MAX_TIME], "2020-05-09T13:45:58");
	CHECK_INT(r.peak_count, 3);
	CHECK_STREQ(r.peaks[0].month, "2020-05-01T00:00:00");
	CHECK_STREQ(r.peaks[0].time, "2020-04-23T19:25:38");
	CHECK_NEAR(r.peaks[0].value_w, 3695);
	CHECK_STREQ(r.peaks[1].month, "2020-04-01T00:00:00");
	CHECK_STREQ(r.peaks[1].time, ""); /* 632525252525W: invalid, left empty */
	CHECK_NEAR(r.peaks[1].value_w, 5980);
	CHECK_NEAR(r.peaks[2].value_w, 4318);
	CHECK_NEAR(r.num[HP_NUM_TARIFF], 1);
	CHECK_INT(r.mbus_count, 1);
	CHECK_INT(r.mbus[0].channel, 1);
	CHECK_INT(r.mbus[0].device_type, 3);
	CHECK_STREQ(r.mbus[0].id, "7FLO2119033733");
	CHECK_NEAR(r.mbus[0].value, 112.384);
	CHECK_STREQ(r.mbus[0].unit, "m3");
	CHECK_STREQ(r.mbus[0].time, "2020-05-12T13:45:58");

	/* The empty history, and a month peak without its time. */
	r = decode_body("0-0:98.1.0(0)(1-0:1.6.0)(1-0:1.6.0)()\n1-0:1.6.0()(01.000*kW)\n");
	CHECK_INT(r.peak_count, 0);
	CHECK_NEAR(r.num[HP_NUM_DEMAND_MONTH_MAX_W], 1000);
	CHECK(!hp_reading_has_text(&r, HP_TEXT_DEMAND_MONTH_MAX_TIME));

	/* E.ON HU sends a billing snapshot under 0-0:98.1.0: not a peak history. */
	r = decode_body("0-0:98.1.0(230701000000S)(000040.777*kWh)(03.564*kW)\n"
			"1-0:5.8.0(000000.668*kvarh)\n1-0:1.8.4(000000.000*kWh)\n");
	CHECK_INT(r.peak_count, -1);
	CHECK(hp_reading_has(&r, HP_NUM_ENERGY_IMPORT_T4_KWH));
}

/* 1-0:99.97.0, the power-failure log: end timestamp and duration. */
static void test_failure_log(void)
{
	struct hp_reading r =
	    decode_body("1-0:99.97.0(3)(0-0:96.7.19)(170520130938S)(0000005627*s)"
			"(000101000001W)(2147583646*s)(170325044014W)(43178677*s)\n");
	CHECK_INT(r.failure_count, 3);
	CHECK_STREQ(r.failures[0].end, "2017-05-20T13:09:38");
	CHECK_INT(r.failures[0].duration_s, 5627);
	CHECK_STREQ(r.failures[1].end, ""); /* placeholder year 00 */
	CHECK_INT(r.failures[1].duration_s, 2147583646);
	CHECK_STREQ(r.failures[2].end, "2017-03-25T04:40:14");
	CHECK_INT(r.failures[2].duration_s, 43178677);

	static const char *const empty[] = {
	    "1-0:99.97.0(0)(0-0:96.7.19)\n",
	    "1-0:99.97.0(0)()\n",
	    "1-0:99.97.0()\n",
	};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		r = decode_body(empty[i]);
		CHECK_MSG(r.failure_count == 0, "%s", empty[i]);
	}
	/* More events announced than sent: the ones sent. */
	r = decode_body("1-0:99.97.0(2)(0-0:96.7.19)(170520130938S)(0000005627*s)\n");
	CHECK_INT(r.failure_count, 1);
}

/* M-Bus channels: placeholder and invalid timestamps, order, ids. */
static void test_mbus(void)
{
	struct hp_reading r = decode_body(
	    /* channel 1: an empty slot, value 0 with a placeholder time: left out */
	    "0-1:24.1.0(003)\n0-1:96.1.0()\n0-1:24.2.1(700101010000W)(00000000)\n"
	    /* channel 2: heat meter, 96.1.1 before 96.1.0 whatever the order */
	    "0-2:24.1.0(004)\n0-2:96.1.0(3232)\n0-2:96.1.1(3131)\n"
	    "0-2:24.2.1(260215200523W)(240.860*GJ)\n"
	    /* channel 3: value 0 with an invalid time: left out */
	    "0-3:24.1.0(007)\n0-3:24.2.1(632525252525S)(00000.000)\n"
	    /* channel 4: non-zero value with a placeholder time: kept without time */
	    "0-4:24.1.0(003)\n0-4:96.1.0(4730303339)\n0-4:24.2.1(000101000001W)(00012.5*m3)\n");
	CHECK_INT(r.mbus_count, 2);
	CHECK_INT(r.mbus[0].channel, 2);
	CHECK_INT(r.mbus[0].device_type, 4);
	CHECK_STREQ(r.mbus[0].id, "11");
	CHECK_NEAR(r.mbus[0].value, 240.86);
	CHECK_STREQ(r.mbus[0].unit, "GJ");
	CHECK_STREQ(r.mbus[0].time, "2026-02-15T20:05:23");
	CHECK_INT(r.mbus[1].channel, 4);
	CHECK_STREQ(r.mbus[1].id, "G0039");
	CHECK_NEAR(r.mbus[1].value, 12.5);
	CHECK_STREQ(r.mbus[1].time, "");

	/* Value 0 with a valid time is a reading; a channel without a value is not. */
	r = decode_body("0-1:24.2.1(170102161005W)(00000.000*m3)\n0-2:24.1.0(003)\n"
			"0-2:96.1.0(3232323241424344313233343536373839)\n");
	CHECK_INT(r.mbus_count, 1);
	CHECK_INT(r.mbus[0].channel, 1);
	CHECK_INT(r.mbus[0].device_type, -1);
	CHECK_NEAR(r.mbus[0].value, 0);

	/* Only the invalid-time empty slot: no channel left. */
	r = decode_body("0-1:24.1.0(003)\n0-1:24.2.1(632525252525S)(00000.000)\n");
	CHECK_INT(r.mbus_count, 0);

	/* A channel beyond 4 is not an M-Bus channel of DSMR; an unknown unit drops. */
	r = decode_body("0-5:24.2.1(170102161005W)(00001.000*m3)\n"
			"0-1:24.2.1(170102161005W)(00001.000*l)\n");
	CHECK_INT(r.mbus_count, 0);
}

/* DSMR 2.2 / 3: 0-n:24.3.0 with the value on the next line, no CRC. */
static void test_legacy_gas(void)
{
	struct hp_reading r = decode_lines("ISk5\\2MT382-1000",
					   "0-0:96.1.1(4B384547303034303436333935353037)\n"
					   "0-1:96.1.0(3232323241424344313233343536373839)\n"
					   "0-1:24.1.0(03)\n"
					   "0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)\n"
					   "(00001.001)\n"
					   "0-1:24.4.0(1)\n");
	CHECK_STREQ(r.text[HP_TEXT_METER_MODEL], "MT382-1000");
	CHECK_STREQ(r.text[HP_TEXT_METER_ID], "K8EG004046395507");
	CHECK_INT(r.mbus_count, 1);
	CHECK_INT(r.mbus[0].device_type, 3);
	CHECK_STREQ(r.mbus[0].id, "2222ABCD123456789");
	CHECK_NEAR(r.mbus[0].value, 1.001);
	CHECK_STREQ(r.mbus[0].unit, "m3");
	CHECK_STREQ(r.mbus[0].time, "2009-02-12T16:00:00");

	/* The same telegram without a CRC after the '!', LF only. */
	static struct telegram t;
	build(&t,
	      "/ISk5\\2MT382-1004\n\n1-0:1.8.1(00001.001*kWh)\n"
	      "0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)\n(00001.001)\n!",
	      false, CRC_NONE);
	struct hp_probe_result res = probe(t.b, t.len, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.len);
	struct hp_error err;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	CHECK_INT(hp_dsmr_decode((const uint8_t *)t.b, t.len, &r, &err, NULL), 0);
	CHECK_NEAR(r.num[HP_NUM_ENERGY_IMPORT_T1_KWH], 1.001);
	CHECK_INT(r.mbus_count, 1);
	CHECK_STREQ(r.mbus[0].time, "2016-11-07T19:00:00");
}

/* Hex-encoded ids and messages, and meter_id precedence 96.1.1 > 96.1.0 > 42.0.0. */
static void test_hex_text(void)
{
	static const struct {
		const char *legend;
		const char *lines;
		const char *id;
	} ids[] = {
	    {"96.1.1 hex", "0-0:96.1.1(4B384547303034303436333935353037)\n", "K8EG004046395507"},
	    {"not hex: as sent", "0-0:96.1.1(ADC3100000158491)\n", "ADC3100000158491"},
	    {"odd length: as sent", "0-0:96.1.0(09610)\n", "09610"},
	    {"unprintable: as sent", "0-0:96.1.1(00000000000000)\n", "00000000000000"},
	    {"96.1.1 over 96.1.0", "0-0:96.1.0(3232)\n0-0:96.1.1(3131)\n", "11"},
	    {"96.1.1 over 96.1.0, other order", "0-0:96.1.1(3131)\n0-0:96.1.0(3232)\n", "11"},
	    {"96.1.0 over 42.0.0",
	     "0-0:42.0.0(53414733303832323030303032313630)\n"
	     "0-0:96.1.0(383930303832323030303032313630)\n",
	     "890082200002160"},
	    {"42.0.0 alone", "0-0:42.0.0(4C475A31)\n", "LGZ1"},
	    {"empty 96.1.1 ignored", "0-0:96.1.1()\n0-0:96.1.0(3232)\n", "22"},
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct hp_reading r = decode_body(ids[i].lines);
		CHECK_MSG(strcmp(r.text[HP_TEXT_METER_ID], ids[i].id) == 0, "%s: got \"%s\"",
			  ids[i].legend, r.text[HP_TEXT_METER_ID]);
	}

	struct hp_reading r = decode_body("0-0:96.13.0(53746F72696E672031323A30302D31343A3030)\n");
	CHECK_STREQ(r.message, "Storing 12:00-14:00");
	r = decode_body("0-0:96.13.0()\n");
	CHECK_STREQ(r.message, "");
	r = decode_body("0-0:96.13.0(plain text)\n");
	CHECK_STREQ(r.message, "plain text");
	/* DSMR 3: a long message continued on the following lines. */
	r = decode_body("0-0:96.13.0(303132333435363738393A3B3C3D3E3F\n"
			"303132333435363738393A3B3C3D3E3F\n"
			"3031)\n"
			"1-0:1.7.0(00.100*kW)\n");
	CHECK_STREQ(r.message, "0123456789:;<=>?0123456789:;<=>?01");
	CHECK_NEAR(r.num[HP_NUM_POWER_IMPORT_W], 100);
	/* An open group that never closes: that line is skipped, the next one read. */
	r = decode_body("0-0:96.13.0(3031\n1-0:1.7.0(00.200*kW)\n");
	CHECK_STREQ(r.message, "");
	CHECK_NEAR(r.num[HP_NUM_POWER_IMPORT_W], 200);
}

/* meter_model from the identification line (reading-model.md examples). */
static void test_model(void)
{
	static const struct {
		const char *header;
		const char *model; /* "" = absent */
	} cases[] = {
	    {"KFM5KAIFA-METER", "KAIFA-METER"},
	    {"ISk5\\2MT382-1000", "MT382-1000"},
	    {"FLU5\\253769484_A", "53769484_A"},
	    {"ESY5Q3DB1024 V3.04", "Q3DB1024 V3.04"},
	    {"KAM5", ""},
	    {"ISk5\x02MIE5T-200", "MIE5T-200"},
	    {"NWA-WARMTELINK", "WARMTELINK"},
	    {"LGF5E360", "E360"},
	    {"ABC5  X Y  ", "X Y"},
	    {"ABC5\\", ""},
	    {"ABC5\x7F\x01 ", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hp_reading r = decode_lines(cases[i].header, "1-0:1.7.0(00.100*kW)\n");
		CHECK_MSG(strcmp(r.text[HP_TEXT_METER_MODEL], cases[i].model) == 0,
			  "%s: got \"%s\"", cases[i].model, r.text[HP_TEXT_METER_MODEL]);
	}
}

/* Timestamps: 20YY, S/W, placeholders and fields out of range. */
static void test_time(void)
{
	static const struct {
		const char *tst;
		enum hp_dsmr_time_status status;
		const char *text;
		int dst;
	} cases[] = {
	    {"250115120000W", HP_DSMR_TIME_OK, "2025-01-15T12:00:00", 0},
	    {"200426223325S", HP_DSMR_TIME_OK, "2020-04-26T22:33:25", 1},
	    {"161107190000", HP_DSMR_TIME_OK, "2016-11-07T19:00:00", -1},
	    {"240229235959W", HP_DSMR_TIME_OK, "2024-02-29T23:59:59", 0},
	    {"230229000000W", HP_DSMR_TIME_INVALID, "", -1},
	    {"000101000001W", HP_DSMR_TIME_PLACEHOLDER, "", -1},
	    {"700101010000W", HP_DSMR_TIME_PLACEHOLDER, "", -1},
	    {"632525252525W", HP_DSMR_TIME_INVALID, "", -1},
	    {"231302000000W", HP_DSMR_TIME_INVALID, "", -1},
	    {"230431000000W", HP_DSMR_TIME_INVALID, "", -1},
	    {"230101240000W", HP_DSMR_TIME_INVALID, "", -1},
	    {"230101006000W", HP_DSMR_TIME_INVALID, "", -1},
	    {"230101000060W", HP_DSMR_TIME_INVALID, "", -1},
	    {"230101000000X", HP_DSMR_TIME_INVALID, "", -1},
	    {"2301010000", HP_DSMR_TIME_INVALID, "", -1},
	    {"23010100000AW", HP_DSMR_TIME_INVALID, "", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[HP_TIME_MAX];
		int8_t dst = -1;
		enum hp_dsmr_time_status st =
		    hp_dsmr_parse_time(cases[i].tst, strlen(cases[i].tst), out, &dst);
		CHECK_MSG(st == cases[i].status, "%s: status %d", cases[i].tst, (int)st);
		CHECK_MSG(strcmp(out, cases[i].text) == 0, "%s: \"%s\"", cases[i].tst, out);
		if (st == HP_DSMR_TIME_OK)
			CHECK_MSG(dst == cases[i].dst, "%s: dst %d", cases[i].tst, dst);
	}
	/* A placeholder clock is no meter_time, and no DST flag either. */
	struct hp_reading r = decode_body("0-0:1.0.0(000101000001W)\n1-0:1.7.0(00.100*kW)\n");
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
	CHECK_INT(r.meter_time_dst, -1);
}

/* Numbers: exact decimal -> double, long mantissas, signs, junk. */
static void test_numbers(void)
{
	static const struct {
		const char *text;
		bool ok;
		double value;
	} cases[] = {
	    {"123.456", true, 123.456},
	    {"001581.123", true, 1581.123},
	    {"0.1", true, 0.1},
	    {"5.", true, 5},
	    {".5", true, 0.5},
	    {"-0.98", true, -0.98},
	    {"+7", true, 7},
	    {"00052185.7825309", true, 52185.7825309},
	    {"1234567890123456789012", true, 1234567890123456789012.0},
	    {"0.000000000000000000001234", true, 1.234e-21},
	    {"99999999999999999.9999", true, 99999999999999999.9999},
	    {"", false, 0},
	    {".", false, 0},
	    {"-", false, 0},
	    {"1.2.3", false, 0},
	    {"12a", false, 0},
	    {"1 2", false, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Both the short-text path and the word-wise one (text that goes on). */
		for (int pass = 0; pass < 2; pass++) {
			char buf[64];
			size_t n = strlen(cases[i].text);
			memcpy(buf, cases[i].text, n);
			memset(buf + n, ')', sizeof(buf) - n);
			struct hp_dsmr_decimal d;
			bool ok;
			if (pass == 0) {
				ok = hp_dsmr_parse_decimal(buf, n, &d);
			} else {
				size_t used = hp_dsmr_scan_decimal(buf, sizeof(buf), &d);
				ok = used == n && n > 0;
			}
			CHECK_MSG(ok == cases[i].ok, "\"%s\" pass %d", cases[i].text, pass);
			if (ok && cases[i].ok) {
				double v = hp_dsmr_value(d.mant, d.exp10);
				CHECK_MSG(v == cases[i].value ||
					      fabs(v - cases[i].value) <= 1e-15 * fabs(v),
					  "\"%s\": %.17g", cases[i].text, v);
			}
		}
	}
	/* Every decimal with up to 6 fraction digits comes out as the nearest double. */
	for (int k = 0; k < 20000; k++) {
		char buf[32];
		long long whole = (k * 7919LL) % 1000000, frac = (k * 104729LL) % 1000000;
		int n = snprintf(buf, sizeof(buf), "%06lld.%06lld", whole, frac);
		double expect = (double)(whole * 1000000 + frac) / 1e6;
		struct hp_dsmr_decimal d;
		CHECK(hp_dsmr_parse_decimal(buf, (size_t)n, &d));
		if (hp_dsmr_value(d.mant, d.exp10) != expect) {
			CHECK_MSG(0, "%s", buf);
			break;
		}
	}
}

/* Every row of the OBIS table is found from its code, as text and as parsed. */
static void test_obis_table(void)
{
	size_t rows = 0;
	for (const struct hp_dsmr_obis *row; (row = hp_dsmr_obis_row(rows)) != NULL; rows++) {
		unsigned a = (unsigned)(row->key >> 32), b = (unsigned)(row->key >> 24) & 0xFF;
		unsigned c = (unsigned)(row->key >> 16) & 0xFF,
			 d = (unsigned)(row->key >> 8) & 0xFF;
		unsigned e = (unsigned)row->key & 0xFF;
		unsigned want_ch = b == HP_DSMR_CHANNEL ? 2 : 0;
		char text[64];
		int n = snprintf(text, sizeof(text), "%u-%u:%u.%u.%u(1)\r\n0-0:96.3.10(1)\r\n", a,
				 want_ch ? want_ch : b, c, d, e);
		unsigned ch = 99;
		const char *code_end = NULL;
		const struct hp_dsmr_obis *found =
		    hp_dsmr_obis_find_text(text, text + n, &ch, &code_end);
		CHECK_MSG(found == row, "row %zu by text: %s", rows, text);
		CHECK_INT(ch, want_ch);
		CHECK(code_end != NULL && *code_end == '(');

		uint64_t key;
		unsigned f;
		CHECK(hp_dsmr_parse_obis(text, (size_t)n, &key, &f) > 0);
		CHECK_INT(f, 255);
		found = hp_dsmr_obis_find(key, &ch);
		CHECK_MSG(found == row, "row %zu by code", rows);
		CHECK_INT(ch, want_ch);
	}
	CHECK(rows > 50);
	/* Codes written otherwise still parse; unmapped ones are not found. */
	uint64_t key;
	unsigned f, ch;
	CHECK_INT(hp_dsmr_parse_obis("01-0:001.8.1(", 13, &key, &f), 12);
	CHECK(hp_dsmr_obis_find(key, &ch) != NULL);
	CHECK_INT(hp_dsmr_parse_obis("1-0:1.8.0*255(", 14, &key, &f), 13);
	CHECK_INT(f, 255);
	CHECK_INT(hp_dsmr_parse_obis("1-0:1.8.256(", 12, &key, &f), 0);
	CHECK_INT(hp_dsmr_parse_obis("1-0:1.8(", 8, &key, &f), 0);
	CHECK_INT(hp_dsmr_parse_obis("1-0:1234.8.0(", 13, &key, &f), 0);
	CHECK(hp_dsmr_obis_find(HP_DSMR_OBIS(0, 0, 17, 0, 0), &ch) == NULL);
	CHECK(hp_dsmr_obis_find(HP_DSMR_OBIS(0, 5, 24, 2, 1), &ch) == NULL);
}

/* The probe: CRC forms, line ends, what is and is not a telegram. */
static void test_probe_forms(void)
{
	static struct telegram t;
	const char *text = "/ABC5METER\n\n1-0:1.8.1(000123.456*kWh)\n1-0:1.7.0(01.234*kW)\n!";

	build(&t, text, true, CRC_LOWER);
	struct hp_probe_result res = probe(t.b, t.len, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.len);

	build(&t, text, false, CRC_PADDED); /* LF only */
	res = probe(t.b, t.len, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.len);
	struct hp_reading r;
	struct hp_error err;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	CHECK_INT(hp_dsmr_decode((const uint8_t *)t.b, t.len, &r, &err, NULL), 0);
	CHECK(r.num[HP_NUM_ENERGY_IMPORT_T1_KWH] == 123.456);
	CHECK(r.num[HP_NUM_POWER_IMPORT_W] == 1234);

	/* A bad CRC: BAD over the whole telegram, so the stream skips it. */
	build(&t, text, true, CRC_PADDED);
	t.b[t.bang - 3] ^= 1; /* a digit of the last value */
	res = probe(t.b, t.len, false);
	CHECK_INT(res.status, HP_PROBE_BAD);
	CHECK_INT(res.len, t.len);
	CHECK_INT(res.error.code, HP_ERR_CRC);
	CHECK(strncmp(res.error.detail, "DSMR CRC", 8) == 0);
	char sent[8];
	snprintf(sent, sizeof(sent), "%.4s", t.b + t.bang + 1);
	CHECK_MSG(strstr(res.error.detail, sent) != NULL, "%s", res.error.detail);

	/* An unpadded CRC (3 digits): find a body whose CRC is below 0x1000. */
	bool found = false;
	for (int v = 0; v < 100000 && !found; v++) {
		char body[128];
		snprintf(body, sizeof(body), "/ABC5METER\n\n1-0:1.7.0(%05d*W)\n!", v);
		build(&t, body, true, CRC_UNPADDED);
		if (hp_crc16_arc((const uint8_t *)t.b, t.bang + 1) < 0x1000) {
			found = true;
			res = probe(t.b, t.len, false);
			CHECK_INT(res.status, HP_PROBE_FRAME);
			CHECK_INT(res.len, t.len);
			CHECK(t.b[t.bang + 4] == '\r');
		}
	}
	CHECK(found);

	/* No CRC, and no line end at the end of the input. */
	build(&t, text, true, CRC_NONE);
	res = probe(t.b, t.len, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.len);
	res = probe(t.b, t.bang + 1, false);
	CHECK_INT(res.status, HP_PROBE_MORE);
	res = probe(t.b, t.bang + 1, true);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.bang + 1);

	/* CRC without line end: more at first, accepted at the end of the input or when
	 * something else follows (the next telegram). */
	build(&t, text, true, CRC_PADDED);
	size_t crc_end = t.bang + 5;
	res = probe(t.b, crc_end, false);
	CHECK_INT(res.status, HP_PROBE_MORE);
	res = probe(t.b, crc_end, true);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, crc_end);
	char joined[BUF_MAX];
	memcpy(joined, t.b, crc_end);
	memcpy(joined + crc_end, "/ABC5", 5);
	res = probe(joined, crc_end + 5, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, crc_end);
	/* A fifth hex digit: not a CRC line. */
	joined[crc_end] = 'A';
	res = probe(joined, crc_end + 1, false);
	CHECK_INT(res.status, HP_PROBE_NO);
	/* CR then something else: the CR closes the telegram. */
	memcpy(joined + crc_end, "\r/", 2);
	res = probe(joined, crc_end + 2, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, crc_end + 1);
	/* Bytes after the telegram are not part of it. */
	memcpy(joined, t.b, t.len);
	memcpy(joined + t.len, "\xFF\xFF  2580\r\n", 10);
	res = probe(joined, t.len + 10, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.len);
}

/* Not telegrams: bad headers, garbage in the body, a new '/' line, oversize. */
static void test_probe_rejects(void)
{
	static const struct {
		const char *legend;
		const char *bytes;
		size_t len; /* 0 = strlen */
		enum hp_probe_status status;
	} cases[] = {
	    {"not a slash", "XABC5\r\n", 0, HP_PROBE_NO},
	    {"digit in the letters", "/AB15X\r\n\r\n!\r\n", 0, HP_PROBE_NO},
	    {"line end at the baud char", "/ABC\r\n\r\n!\r\n", 0, HP_PROBE_NO},
	    {"slash in the header", "/ABC5/KFM5KAIFA\r\n\r\n!\r\n", 0, HP_PROBE_NO},
	    {"short header so far", "/AB", 0, HP_PROBE_MORE},
	    {"header without end yet", "/ABC5METER", 0, HP_PROBE_MORE},
	    {"NUL in the body", "/ABC5X\r\n\r\n1-0:1.7.0(1\0)\r\n!\r\n", 27, HP_PROBE_NO},
	    {"0xFF in the body", "/ABC5X\r\n\r\n1-0:1.7.0(1\xFF)\r\n!\r\n", 0, HP_PROBE_NO},
	    {"control byte in the body", "/ABC5X\r\n\r\n1-0\x02:1.7.0(1)\r\n", 0, HP_PROBE_NO},
	    {"DEL in a partial line", "/ABC5X\r\n\r\n1-0:1.7.0(1\x7F", 0, HP_PROBE_NO},
	    {"binary after a stray header", "/ABC5X\r\n\x82\x02\x30\x30", 0, HP_PROBE_NO},
	    {"new telegram inside", "/ABC5X\r\n\r\n1-0:1.7.0(1)\r\n/ABC5X\r\n\r\n!\r\n", 0,
	     HP_PROBE_NO},
	    {"body incomplete", "/ABC5X\r\n\r\n1-0:1.7.0(1)\r\n1-0:1.8", 0, HP_PROBE_MORE},
	    {"slash inside a line is text", "/ABC5X\r\n\r\n0-0:96.13.0(a/b)\r\n!\r\n", 0,
	     HP_PROBE_FRAME},
	    {"bang inside a line is text", "/ABC5X\r\n\r\n0-0:96.13.0(a!b)\r\n", 0, HP_PROBE_MORE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].bytes);
		struct hp_probe_result res = probe(cases[i].bytes, len, false);
		CHECK_MSG(res.status == cases[i].status, "%s: status %d", cases[i].legend,
			  (int)res.status);
	}

	/* A header with no line end within HEADER_MAX bytes. */
	char buf[BUF_MAX];
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "/ABC5", 5);
	CHECK_INT(probe(buf, 95, false).status, HP_PROBE_MORE);
	CHECK_INT(probe(buf, 96, false).status, HP_PROBE_NO);

	/* A body that never ends: more until HP_TELEGRAM_MAX bytes, then no. */
	size_t n = (size_t)snprintf(buf, sizeof(buf), "/ABC5X\r\n\r\n");
	while (n + 24 < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "1-0:1.7.0(00.100*kW)\r\n");
	CHECK_INT(probe(buf, HP_TELEGRAM_MAX - 1, false).status, HP_PROBE_MORE);
	CHECK_INT(probe(buf, HP_TELEGRAM_MAX, false).status, HP_PROBE_NO);
	CHECK_INT(probe(buf, n, true).status, HP_PROBE_NO);

	/* The same closed just past the limit: too long; closed within it: a frame. */
	static struct telegram t;
	char text[BUF_MAX];
	size_t cut = HP_TELEGRAM_MAX - 2;
	while (buf[cut - 1] != '\n')
		cut++;
	memcpy(text, buf, cut);
	memcpy(text + cut, "!", 2);
	build(&t, text, false, CRC_PADDED); /* the lines are CR LF already */
	CHECK(t.len > HP_TELEGRAM_MAX);
	CHECK_INT(probe(t.b, t.len, false).status, HP_PROBE_NO);
	cut = HP_TELEGRAM_MAX - 100;
	while (text[cut - 1] != '\n')
		cut--;
	memcpy(text + cut, "!", 2);
	build(&t, text, false, CRC_PADDED);
	CHECK(t.len <= HP_TELEGRAM_MAX);
	struct hp_probe_result res = probe(t.b, t.len, false);
	CHECK_INT(res.status, HP_PROBE_FRAME);
	CHECK_INT(res.len, t.len);
}

/* Growing prefixes: MORE until the telegram is complete, then FRAME of the same
 * length, whatever follows. */
static void test_probe_split(void)
{
	static struct telegram t;
	build(&t,
	      "/ISk5\\2MT382-1000\n\n1-3:0.2.8(50)\n0-0:1.0.0(170102192002W)\n"
	      "0-0:96.1.1(4B384547303034303436333935353037)\n1-0:1.8.1(000004.426*kWh)\n"
	      "1-0:99.97.0(1)(0-0:96.7.19)(190326095015W)(0000002014*s)\n"
	      "0-1:24.2.1(170102161005W)(00000.107*m3)\n!",
	      true, CRC_PADDED);
	for (int crlf = 0; crlf < 2; crlf++) {
		for (size_t k = 1; k < t.len; k++) {
			struct hp_probe_result res = probe(t.b, k, false);
			if (res.status != HP_PROBE_MORE) {
				CHECK_MSG(0, "prefix %zu: status %d", k, (int)res.status);
				break;
			}
		}
		char next[BUF_MAX];
		memcpy(next, t.b, t.len);
		memcpy(next + t.len, "/ISk5", 5);
		for (size_t extra = 0; extra <= 5; extra++) {
			struct hp_probe_result res = probe(next, t.len + extra, false);
			CHECK_INT(res.status, HP_PROBE_FRAME);
			CHECK_INT(res.len, t.len);
		}
		build(&t,
		      "/KFM5KAIFA-METER\n\n1-0:1.8.1(001581.123*kWh)\n0-0:96.14.0(0002)\n"
		      "0-0:96.13.0()\n!",
		      false, CRC_PADDED);
	}
}

/* Decoder: damage inside a telegram is skipped line by line; a non-telegram fails. */
static void test_decode_damage(void)
{
	struct hp_reading r = decode_body("garbage line\n"
					  "1-0:1.8.1(abc*kWh)\n"
					  "1-0:1.8.2(000002.399*kWh\n"
					  "(orphan)\n"
					  "0-0:1.0.0(632525252525W)\n"
					  "1-0:1.7.0(00.244*kW)trailing\n"
					  "1-0:2.7.0(00.100*kW)\n"
					  "0-1:24.1.0(xyz)\n"
					  "0-1:24.2.1(170102161005W)(12*)\n"
					  "1-0:21.7.0(00.070*kW)\n");
	CHECK(!hp_reading_has(&r, HP_NUM_ENERGY_IMPORT_T1_KWH));
	CHECK(!hp_reading_has(&r, HP_NUM_ENERGY_IMPORT_T2_KWH));
	CHECK(!hp_reading_has(&r, HP_NUM_POWER_IMPORT_W));
	CHECK(!hp_reading_has_text(&r, HP_TEXT_METER_TIME));
	CHECK_NEAR(r.num[HP_NUM_POWER_EXPORT_W], 100);
	CHECK_NEAR(r.num[HP_NUM_L1_POWER_IMPORT_W], 70);
	CHECK_INT(r.mbus_count, 1);
	CHECK_NEAR(r.mbus[0].value, 12);

	static const struct {
		const char *legend;
		const char *bytes;
	} bad[] = {
	    {"no slash", "ABC5X\r\n\r\n1-0:1.7.0(1)\r\n!\r\n"},
	    {"no line end", "/ABC5X"},
	    {"no bang", "/ABC5X\r\n\r\n1-0:1.7.0(00.100*kW)\r\n"},
	    {"no OBIS line at all", "/ABC5X\r\n\r\nhello\r\nworld\r\n!\r\n"},
	    {"empty", ""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hp_error err = {0};
		hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
		int rc = hp_dsmr_decode((const uint8_t *)bad[i].bytes, strlen(bad[i].bytes), &r,
					&err, NULL);
		CHECK_MSG(rc == -1, "%s", bad[i].legend);
		CHECK_MSG(err.code == HP_ERR_MALFORMED, "%s", bad[i].legend);
	}
	/* A header and '!' with no line between: line noise can spell that (a '/',
	 * a line end, a '!'), and an empty reading would be served, stored and
	 * published. It is an error. */
	struct hp_error err = {0};
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	CHECK_INT(hp_dsmr_decode((const uint8_t *)"/ABC5X\r\n\r\n!\r\n", 13, &r, &err, NULL), -1);
	CHECK_INT(err.code, HP_ERR_MALFORMED);
}

struct trace_count {
	int lines[3];
	bool mentions_key;
};

static void count_trace(void *ctx, int depth, const char *text)
{
	struct trace_count *tc = ctx;
	if (depth >= 0 && depth < 3)
		tc->lines[depth]++;
	if (strstr(text, "1-0:1.8.1") && strstr(text, "energy_import_t1_kwh") &&
	    strstr(text, "000123.456"))
		tc->mentions_key = true;
}

/* --explain: one depth-2 line per OBIS line, with code, raw value and result. */
static void test_trace(void)
{
	static struct telegram t;
	build(&t,
	      "/ABC5X\n\n1-0:1.8.1(000123.456*kWh)\n0-0:96.3.10(1)\nbad line\n"
	      "0-0:1.0.0(250115120000W)\n0-1:24.2.1(170102161005W)(00000.107*m3)\n!",
	      true, CRC_PADDED);
	struct trace_count tc = {{0}, false};
	struct hp_trace trace = {count_trace, &tc};
	struct hp_reading r;
	struct hp_error err;
	hp_reading_init(&r, HP_PROTO_DSMR, HP_FRAMING_P1);
	CHECK_INT(hp_dsmr_decode((const uint8_t *)t.b, t.len, &r, &err, &trace), 0);
	CHECK_INT(tc.lines[2], 5);
	CHECK(tc.lines[1] >= 1);
	CHECK(tc.mentions_key);
}

int main(void)
{
	test_worked_example();
	test_units();
	test_belgian();
	test_failure_log();
	test_mbus();
	test_legacy_gas();
	test_hex_text();
	test_model();
	test_time();
	test_numbers();
	test_obis_table();
	test_probe_forms();
	test_probe_rejects();
	test_probe_split();
	test_decode_damage();
	test_trace();
	return check_report("dsmr");
}
