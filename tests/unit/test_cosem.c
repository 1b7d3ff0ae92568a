/* COSEM date-time (clock rules of reading-model.md), scaler-unit, unit codes and
 * the unit conversions of protocols.md (e). */
#include "check.h"
#include "cosem.h"
#include "obis_map.h"

struct clock_case {
	const char *legend;
	uint8_t dt[HP_COSEM_DATETIME_LEN];
	const char *text; /* NULL: not valid */
	int dst;
};

static void test_datetime(void)
{
	static const struct clock_case cases[] = {
	    /* The two examples of protocols.md (e). */
	    {"doc example, status 00",
	     {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0x00, 0x00},
	     "2022-01-24T18:58:50",
	     0},
	    {"doc example, CEST and DST: wall time as sent",
	     {0x07, 0xE8, 0x06, 0x0F, 0x06, 0x14, 0x17, 0x2D, 0x00, 0xFF, 0x88, 0x80},
	     "2024-06-15T20:23:45",
	     1},
	    {"deviation -60 never shifts the time",
	     {0x07, 0xE5, 0x09, 0x16, 0x03, 0x11, 0x23, 0x1E, 0xFF, 0xFF, 0xC4, 0x00},
	     "2021-09-22T17:35:30",
	     0},
	    {"status FF: time kept, dst omitted",
	     {0x07, 0xE3, 0x0C, 0x10, 0x01, 0x07, 0x3B, 0x28, 0xFF, 0x80, 0x00, 0xFF},
	     "2019-12-16T07:59:40",
	     -1},
	    {"status 02 (doubtful) is still valid",
	     {0x07, 0xE4, 0x01, 0x15, 0x02, 0x10, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x02},
	     "2020-01-21T16:00:00",
	     0},
	    {"status 82: DST",
	     {0x07, 0xE4, 0x01, 0x15, 0x02, 0x10, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x82},
	     "2020-01-21T16:00:00",
	     1},
	    {"weekday and hundredths not specified do not matter",
	     {0x07, 0xD0, 0x01, 0x01, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x80, 0x00, 0x00},
	     "2000-01-01T00:00:00",
	     0},
	    {"leap day 2024",
	     {0x07, 0xE8, 0x02, 0x1D, 0x04, 0x17, 0x3B, 0x3B, 0, 0x80, 0, 0},
	     "2024-02-29T23:59:59",
	     0},
	    {"status 01: invalid value",
	     {0x07, 0xD0, 0x01, 0x01, 0x06, 0x16, 0x21, 0x00, 0xFF, 0x80, 0x00, 0x01},
	     NULL,
	     0},
	    {"status 81: invalid value with DST",
	     {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0x00, 0x81},
	     NULL,
	     0},
	    {"year FFFF",
	     {0xFF, 0xFF, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"year 1999",
	     {0x07, 0xCF, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"year 1970",
	     {0x07, 0xB2, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"month 0",
	     {0x07, 0xE6, 0x00, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"month 13",
	     {0x07, 0xE6, 0x0D, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"month FE (DST begin)",
	     {0x07, 0xE6, 0xFE, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"month FF",
	     {0x07, 0xE6, 0xFF, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"day 0", {0x07, 0xE6, 0x01, 0x00, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0}, NULL, 0},
	    {"day 32", {0x07, 0xE6, 0x01, 0x20, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0}, NULL, 0},
	    {"day FF", {0x07, 0xE6, 0x01, 0xFF, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0}, NULL, 0},
	    {"April 31",
	     {0x07, 0xE6, 0x04, 0x1F, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"Feb 29 2023",
	     {0x07, 0xE7, 0x02, 0x1D, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"Feb 29 2100",
	     {0x08, 0x34, 0x02, 0x1D, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"hour 24",
	     {0x07, 0xE6, 0x01, 0x18, 0x01, 0x18, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"hour FF",
	     {0x07, 0xE6, 0x01, 0x18, 0x01, 0xFF, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"minute 60",
	     {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3C, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"second 60",
	     {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x3C, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"second FF",
	     {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0xFF, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	    {"year 10000",
	     {0x27, 0x10, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0},
	     NULL,
	     0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct clock_case *c = &cases[i];
		struct hp_cosem_clock clk;
		hp_cosem_datetime(c->dt, &clk);
		CHECK_MSG(clk.valid == (c->text != NULL), "%s", c->legend);
		if (c->text == NULL) {
			CHECK_STREQ(clk.text, "");
			continue;
		}
		CHECK_STREQ(clk.text, c->text);
		CHECK_MSG(clk.dst == c->dst, "%s: dst %d", c->legend, clk.dst);
	}
}

static void test_plausible(void)
{
	const uint8_t ok[] = {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0x80, 0, 0};
	const uint8_t unset[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
				 0xFF, 0xFF, 0xFF, 0x80, 0,    0xFF};
	const uint8_t dst_marks[] = {0xFF, 0xFF, 0xFE, 0xFD, 0xFF, 0x02, 0, 0, 0, 0x80, 0, 0};
	const uint8_t invalid_status[] = {0x07, 0xD0, 1, 1, 6, 22, 33, 0, 0xFF, 0x80, 0, 0x01};
	const uint8_t bad_month[] = {0x07, 0xE6, 0x0D, 0x18, 0x01, 0x12, 0x3A, 0x32, 0xFF, 0, 0, 0};
	const uint8_t bad_weekday[] = {0x07, 0xE6, 0x01, 0x18, 0x08, 0x12,
				       0x3A, 0x32, 0xFF, 0,    0,    0};
	const uint8_t bad_hundredths[] = {0x07, 0xE6, 0x01, 0x18, 0x01, 0x12,
					  0x3A, 0x32, 100,  0,    0,    0};
	CHECK(hp_cosem_datetime_plausible(ok));
	CHECK(hp_cosem_datetime_plausible(unset));
	CHECK(hp_cosem_datetime_plausible(dst_marks));
	CHECK(hp_cosem_datetime_plausible(invalid_status));
	CHECK(!hp_cosem_datetime_plausible(bad_month));
	CHECK(!hp_cosem_datetime_plausible(bad_weekday));
	CHECK(!hp_cosem_datetime_plausible(bad_hundredths));
}

static void test_scaler_unit(void)
{
	struct hp_axdr_tree t;
	size_t end;
	int8_t scaler = 0;
	uint8_t unit = 0;
	const uint8_t su[] = {0x02, 0x02, 0x0F, 0xFD, 0x16, 0xFF};
	CHECK(hp_axdr_parse(su, 0, sizeof(su), sizeof(su), &t, &end) == HP_AXDR_OK);
	CHECK(hp_cosem_scaler_unit(&t, 0, &scaler, &unit));
	CHECK_INT(scaler, -3);
	CHECK_INT(unit, HP_UNIT_NONE);

	const uint8_t wrong_order[] = {0x02, 0x02, 0x16, 0x1B, 0x0F, 0x00};
	CHECK(hp_axdr_parse(wrong_order, 0, sizeof(wrong_order), sizeof(wrong_order), &t, &end) ==
	      HP_AXDR_OK);
	CHECK(!hp_cosem_scaler_unit(&t, 0, &scaler, &unit));
	const uint8_t three[] = {0x02, 0x03, 0x0F, 0x00, 0x16, 0x1B, 0x00};
	CHECK(hp_axdr_parse(three, 0, sizeof(three), sizeof(three), &t, &end) == HP_AXDR_OK);
	CHECK(!hp_cosem_scaler_unit(&t, 0, &scaler, &unit));
	const uint8_t number[] = {0x0F, 0x00};
	CHECK(hp_axdr_parse(number, 0, sizeof(number), sizeof(number), &t, &end) == HP_AXDR_OK);
	CHECK(!hp_cosem_scaler_unit(&t, 0, &scaler, &unit));
}

static void test_scale(void)
{
	double v = 0;
	CHECK(hp_cosem_scale(237, -2, &v));
	CHECK(v == 2.37); /* exactly the double nearest 2.37 */
	CHECK(hp_cosem_scale(2272138, -2, &v));
	CHECK(v == 22721.38);
	CHECK(hp_cosem_scale(2276, -1, &v));
	CHECK(v == 227.6);
	CHECK(hp_cosem_scale(28, 1, &v));
	CHECK(v == 280);
	CHECK(hp_cosem_scale(-5, 3, &v));
	CHECK(v == -5000);
	CHECK(hp_cosem_scale(7, 0, &v));
	CHECK(v == 7);
	CHECK(hp_cosem_scale(1, 22, &v));
	CHECK(v == 1e22);
	CHECK(hp_cosem_scale(1, -22, &v));
	CHECK(!hp_cosem_scale(1, 23, &v));
	CHECK(!hp_cosem_scale(1, -23, &v));
	CHECK(!hp_cosem_scale(1, 127, &v));
	CHECK(!hp_cosem_scale(1, -128, &v));
}

static void test_units(void)
{
	CHECK_STREQ(hp_cosem_unit_name(HP_UNIT_W), "W");
	CHECK_STREQ(hp_cosem_unit_name(HP_UNIT_WH), "Wh");
	CHECK_STREQ(hp_cosem_unit_name(HP_UNIT_VARH), "varh");
	CHECK_STREQ(hp_cosem_unit_name(HP_UNIT_A), "A");
	CHECK_STREQ(hp_cosem_unit_name(HP_UNIT_V), "V");
	CHECK_STREQ(hp_cosem_unit_name(HP_UNIT_HZ), "Hz");
	CHECK_STREQ(hp_cosem_unit_name(HP_UNIT_NONE), "none");
	CHECK_STREQ(hp_cosem_unit_name(3), "?");

	/* Unit codes of the protocols.md table, and their conversion. */
	int adjust = 99;
	CHECK(hp_quantity_unit(HP_Q_ENERGY, 30, &adjust) && adjust == -3);          /* Wh */
	CHECK(hp_quantity_unit(HP_Q_REACTIVE_ENERGY, 32, &adjust) && adjust == -3); /* varh */
	CHECK(hp_quantity_unit(HP_Q_POWER, 27, &adjust) && adjust == 0);            /* W */
	CHECK(hp_quantity_unit(HP_Q_REACTIVE, 29, &adjust) && adjust == 0);         /* var */
	CHECK(hp_quantity_unit(HP_Q_APPARENT, 28, &adjust) && adjust == 0);         /* VA */
	CHECK(hp_quantity_unit(HP_Q_CURRENT, 33, &adjust) && adjust == 0);          /* A */
	CHECK(hp_quantity_unit(HP_Q_VOLTAGE, 35, &adjust) && adjust == 0);          /* V */
	CHECK(hp_quantity_unit(HP_Q_FREQUENCY, 44, &adjust) && adjust == 0);        /* Hz */
	CHECK(hp_quantity_unit(HP_Q_POWER_FACTOR, 255, &adjust) && adjust == 0);
	CHECK(hp_quantity_unit(HP_Q_POWER_FACTOR, 56, &adjust) && adjust == -2); /* % */
	CHECK(hp_quantity_unit(HP_Q_PLAIN, 255, &adjust) && adjust == 0);
	/* Units that do not fit the key: the value is dropped. */
	CHECK(!hp_quantity_unit(HP_Q_ENERGY, 27, &adjust));
	CHECK(!hp_quantity_unit(HP_Q_POWER, 30, &adjust));
	CHECK(!hp_quantity_unit(HP_Q_ENERGY, 31, &adjust)); /* VAh */
	CHECK(!hp_quantity_unit(HP_Q_VOLTAGE, 33, &adjust));
	CHECK(!hp_quantity_unit(HP_Q_POWER, 255, &adjust));
	/* Without a scaler-unit: the base unit. */
	CHECK_INT(hp_quantity_base_unit(HP_Q_ENERGY), HP_UNIT_WH);
	CHECK_INT(hp_quantity_base_adjust(HP_Q_ENERGY), -3);
	CHECK_INT(hp_quantity_base_adjust(HP_Q_REACTIVE_ENERGY), -3);
	CHECK_INT(hp_quantity_base_adjust(HP_Q_CURRENT), 0);
}

int main(void)
{
	test_datetime();
	test_plausible();
	test_scaler_unit();
	test_scale();
	test_units();
	return check_report("cosem");
}
