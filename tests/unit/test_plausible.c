/* Plausibility of readings against the configured installation (plausible.h):
 * values a wrong multiplier makes are named, real ones pass, and nothing is
 * judged by a limit the config does not give. Also the multipliers themselves. */
#include <string.h>

#include "check.h"
#include "multiply.h"
#include "plausible.h"

static struct hp_meter_config installation(double fuse_a, double volts, unsigned phases, double kwp)
{
	struct hp_meter_config m;
	memset(&m, 0, sizeof(m));
	m.main_fuse_a = fuse_a;
	m.voltage = volts;
	m.phases = phases;
	m.production_kwp = kwp;
	m.multiplier_power = m.multiplier_voltage = m.multiplier_current = 1;
	m.multiplier_energy = 1;
	return m;
}

/* A Norwegian IT grid house, 63 A: 230 V line to line, 1.5 kW, 6.5 A. */
static struct hp_reading house(void)
{
	struct hp_reading r;
	hp_reading_init(&r, HP_PROTO_DLMS, HP_FRAMING_HDLC);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1500);
	hp_reading_set(&r, HP_NUM_L1_VOLTAGE_V, 231.2);
	hp_reading_set(&r, HP_NUM_L2_VOLTAGE_V, 0); /* IT grid: U2 sent as 0 */
	hp_reading_set(&r, HP_NUM_L3_VOLTAGE_V, 229.8);
	hp_reading_set(&r, HP_NUM_L1_CURRENT_A, 6.5);
	hp_reading_set(&r, HP_NUM_ENERGY_IMPORT_KWH, 12345.678);
	return r;
}

static void test_limits(void)
{
	char why[HP_DETAIL_MAX] = "";
	struct hp_meter_config m = installation(63, 230, 3, 0);
	struct hp_reading r = house();
	CHECK(hp_plausible(&m, &r, why, sizeof(why)));
	/* 63 A x 230 V x sqrt 3 = 25.1 kW: 3 times that passes, more does not. */
	CHECK_NEAR(hp_fuse_power_w(&m), 63 * 230 * 1.7320508075688772);
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 75000);
	CHECK(hp_plausible(&m, &r, why, sizeof(why)));
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 150000); /* 1.5 kW read x 100 */
	CHECK(!hp_plausible(&m, &r, why, sizeof(why)));
	CHECK_MSG(strstr(why, "power_import_w = 150000 is above") != NULL &&
		      strstr(why, "multiplier_power") != NULL,
		  "why: %s", why);

	/* A voltage ten times too high, and one ten times too low. */
	r = house();
	hp_reading_set(&r, HP_NUM_L3_VOLTAGE_V, 2298);
	CHECK(!hp_plausible(&m, &r, why, sizeof(why)));
	CHECK_MSG(strstr(why, "l3_voltage_v = 2298 is above 345") != NULL, "why: %s", why);
	hp_reading_set(&r, HP_NUM_L3_VOLTAGE_V, 22.98);
	CHECK(!hp_plausible(&m, &r, why, sizeof(why)));
	CHECK_MSG(strstr(why, "below") != NULL, "why: %s", why);

	/* A 400 V (TN) system's phases read 230 V: plausible. */
	struct hp_meter_config tn = installation(25, 400, 3, 0);
	r = house();
	CHECK(hp_plausible(&tn, &r, why, sizeof(why)));

	/* Current above 3 x the fuse. */
	r = house();
	hp_reading_set(&r, HP_NUM_L1_CURRENT_A, 650);
	CHECK(!hp_plausible(&m, &r, why, sizeof(why)));
	CHECK_MSG(strstr(why, "l1_current_a = 650 is above 189") != NULL, "why: %s", why);

	/* Export above 3 x the production. */
	struct hp_meter_config solar = installation(25, 400, 3, 5);
	r = house();
	hp_reading_set(&r, HP_NUM_POWER_EXPORT_W, 12000);
	CHECK(hp_plausible(&solar, &r, why, sizeof(why)));
	hp_reading_set(&r, HP_NUM_POWER_EXPORT_W, 120000);
	CHECK(!hp_plausible(&solar, &r, why, sizeof(why)));
	CHECK(strstr(why, "production_kwp") != NULL);

	/* No fuse, no production set: power and current are not judged at all. */
	struct hp_meter_config unknown = installation(0, 230, 3, 0);
	r = house();
	hp_reading_set(&r, HP_NUM_POWER_IMPORT_W, 1e7);
	hp_reading_set(&r, HP_NUM_L1_CURRENT_A, 1e4);
	hp_reading_set(&r, HP_NUM_POWER_EXPORT_W, 1e7);
	CHECK(hp_plausible(&unknown, &r, why, sizeof(why)));
	CHECK_NEAR(hp_fuse_power_w(&unknown), 0);
}

/* The multipliers (a current-transformer installation, a Kamstrup counting Wh):
 * each quantity by its own factor, everything else untouched. */
static void test_multipliers(void)
{
	struct hp_meter_config m = installation(63, 230, 3, 0);
	m.multiplier_power = 2;
	m.multiplier_voltage = 3;
	m.multiplier_current = 4;
	m.multiplier_energy = 0.5;
	struct hp_reading r = house();
	hp_reading_set(&r, HP_NUM_REACTIVE_IMPORT_VAR, 100);
	hp_reading_set(&r, HP_NUM_FREQUENCY_HZ, 50.01);
	hp_reading_set(&r, HP_NUM_POWER_FACTOR, 0.95);
	hp_apply_multipliers(&m, &r);
	CHECK_NEAR(r.num[HP_NUM_POWER_IMPORT_W], 3000);
	CHECK_NEAR(r.num[HP_NUM_REACTIVE_IMPORT_VAR], 200);
	CHECK_NEAR(r.num[HP_NUM_L1_VOLTAGE_V], 693.6);
	CHECK_NEAR(r.num[HP_NUM_L1_CURRENT_A], 26);
	CHECK_NEAR(r.num[HP_NUM_ENERGY_IMPORT_KWH], 6172.839);
	CHECK_NEAR(r.num[HP_NUM_FREQUENCY_HZ], 50.01);
	CHECK_NEAR(r.num[HP_NUM_POWER_FACTOR], 0.95);
	CHECK(!hp_reading_has(&r, HP_NUM_POWER_EXPORT_W)); /* absent stays absent */
	/* ... and the tripled voltage is what the plausibility check then names. */
	char why[HP_DETAIL_MAX];
	CHECK(!hp_plausible(&m, &r, why, sizeof(why)));
	CHECK_MSG(strstr(why, "l1_voltage_v = 693.6") != NULL, "why: %s", why);
}

int main(void)
{
	test_limits();
	test_multipliers();
	return check_report("plausible");
}
