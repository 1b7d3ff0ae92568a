/* JSON pieces shared by the accounting answers of the API and MQTT (accounting.h). */
#include <math.h>

#include "accounting.h"

json_t *hp_acct_number(double x, int decimals)
{
	if (!isfinite(x))
		return json_null();
	double scale = pow(10, decimals);
	double r = round(x * scale) / scale;
	return json_real(r == 0 ? 0 : r); /* no -0.0 */
}

json_t *hp_acct_time_json(const struct hp_tz *zone, int64_t t_ms)
{
	char text[HP_ISO_LOCAL_MAX];
	hp_time_iso_local(zone, t_ms, text);
	return json_string(text);
}

json_t *hp_acct_step_json(const struct hp_no_step *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "index", json_integer(s->index));
	json_object_set_new(o, "lower_kw", json_real(s->lower_kw));
	json_object_set_new(o, "upper_kw", s->has_upper ? json_real(s->upper_kw) : json_null());
	return o;
}
