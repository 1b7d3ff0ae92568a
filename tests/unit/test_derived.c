/* The derived U2 of IT grids: the triangle rule on known voltages, the cases where
 * nothing may be derived, and how /now shows it (beside the reading, never in it). */
#include <math.h>
#include <string.h>

#include "api.h"
#include "check.h"
#include "derived.h"

static struct hp_reading voltages(double u1, double u2, double u3, bool has_u2)
{
	struct hp_reading r;
	memset(&r, 0, sizeof(r));
	r.num[HP_NUM_L1_VOLTAGE_V] = u1;
	r.num[HP_NUM_L3_VOLTAGE_V] = u3;
	r.num_present = 1ull << HP_NUM_L1_VOLTAGE_V | 1ull << HP_NUM_L3_VOLTAGE_V;
	if (has_u2) {
		r.num[HP_NUM_L2_VOLTAGE_V] = u2;
		r.num_present |= 1ull << HP_NUM_L2_VOLTAGE_V;
	}
	return r;
}

static void test_formula(void)
{
	double u2 = -1;
	/* Equal sides: an equilateral triangle. */
	struct hp_reading r = voltages(230, 0, 230, true);
	CHECK(hp_derive_u2(&r, &u2));
	CHECK_NEAR(u2, 230.0);
	/* 240 and 220: sqrt(57600 + 48400 - 52800) = sqrt(53200) = 230.65 -> 230.7. */
	r = voltages(240, 0, 220, false);
	CHECK(hp_derive_u2(&r, &u2));
	CHECK_NEAR(u2, 230.7);
	/* A measured U2 is never replaced. */
	r = voltages(231, 229.5, 232, true);
	CHECK(!hp_derive_u2(&r, &u2));
	/* Missing U3 (a single-phase meter): nothing to derive from. */
	r = voltages(231, 0, 0, false);
	r.num_present &= ~(1ull << HP_NUM_L3_VOLTAGE_V);
	CHECK(!hp_derive_u2(&r, &u2));
	/* A meter reporting zeros everywhere (no supply): no phantom voltage. */
	r = voltages(0, 0, 0, true);
	CHECK(!hp_derive_u2(&r, &u2));
}

static void test_api(bool enabled)
{
	struct hp_config cfg;
	hp_config_defaults(&cfg);
	cfg.meter_count = 1;
	snprintf(cfg.meters[0].name, sizeof(cfg.meters[0].name), "it");
	cfg.meters[0].derive_u2 = enabled;
	struct hp_state state;
	hp_state_init(&state, &cfg, 1000);
	struct hp_reading r = voltages(240, 0, 220, true);
	hp_state_set_reading(&state, 0, &r, 2000);
	struct hp_api *api = hp_api_new(&cfg, &state);
	json_t *body = NULL;
	CHECK_INT(hp_api_now(api, "it", 3000, &body), 200);
	json_t *derived = json_object_get(body, "derived");
	json_t *reading = json_object_get(body, "reading");
	/* The reading keeps the meter's own U2 (0), whatever is derived. */
	CHECK_NEAR(json_real_value(json_object_get(reading, "l2_voltage_v")), 0.0);
	if (enabled) {
		CHECK_NEAR(json_real_value(json_object_get(derived, "l2_voltage_v")), 230.7);
	} else {
		CHECK(derived == NULL);
	}
	json_decref(body);
	hp_api_free(api);
	hp_state_destroy(&state);
}

int main(void)
{
	test_formula();
	test_api(true);
	test_api(false);
	return check_report("derived");
}
