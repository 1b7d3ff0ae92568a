/* Simulator sources: sim:FAMILY or sim:PROFILE[?speed=N]. The built-in simulated
 * meter (sim_model.h, as `hanp1d sim` uses it) sends a family's lists at their
 * real cadence (Aidon: 2.5 s, 10 s and hourly), or one profile at its interval,
 * encrypted with the meter's own keys when the profile encrypts. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "meters.h"
#include "sim_model.h"
#include "source_internal.h"

/* Room for the largest frame sequence a profile sends (segments included), as in
 * `hanp1d sim`. */
#define SIM_FRAME_MAX 16384
/* Meter seconds between frames: HAN lists and DSMR 2.2-4 push every 10 s, DSMR 5
 * class meters every second. */
#define SIM_INTERVAL_S      10
#define SIM_INTERVAL_FAST_S 1
#define MS_PER_S            1000.0
/* Speed 0: as fast as the ring takes frames; wait this long for room. */
#define SIM_ROOM_WAIT_MS 1

static const enum hp_enc_profile every_second[] = {HP_PROFILE_DSMR50_NL, HP_PROFILE_DSMR_BE};

static unsigned interval_of(enum hp_enc_profile p)
{
	for (size_t i = 0; i < sizeof(every_second) / sizeof(every_second[0]); i++) {
		if (every_second[i] == p)
			return SIM_INTERVAL_FAST_S;
	}
	return SIM_INTERVAL_S;
}

/* Several sim: meters in one configuration are told apart by their ids: the example
 * meter's, its last 8 digits a hash (FNV-1a) of the meter's name. */
static void name_meter_id(struct hp_enc_values *v, const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++)
		h = (h ^ *c) * 16777619u;
	size_t n = strlen(v->meter_id);
	if (n >= 8)
		snprintf(v->meter_id + n - 8, 9, "%08u", (unsigned)(h % 100000000u));
}

/* The profile's link, with the meter's keys where the config gives them. */
static void link_for(const struct hp_meter_config *m, enum hp_enc_profile p,
		     struct hp_enc_link *link)
{
	hp_enc_meter_default_link(p, link);
	if (!link->cipher)
		return;
	if (m->keys.has_ek)
		memcpy(link->ggc.ek, m->keys.ek, sizeof(link->ggc.ek));
	if (m->keys.has_ak)
		memcpy(link->ggc.ak, m->keys.ak, sizeof(link->ggc.ak));
}

/* Waits until the next frame is due (paced) or the ring has room for it (speed
 * 0); false when stopped. */
static bool wait_turn(struct hp_source *s, int64_t due_ms, size_t need)
{
	if (need > s->ring->cap)
		need = s->ring->cap;
	for (;;) {
		int64_t left;
		if (s->m.speed > 0)
			left = due_ms - hp_mono_ms();
		else
			left = hp_source_ring_room(s) >= need ? 0 : SIM_ROOM_WAIT_MS;
		if (left <= 0)
			return !atomic_load(&s->stopping);
		if (hp_source_wait(s, -1, 0, (int)left, NULL) == HP_WAIT_STOP)
			return false;
	}
}

/* What the meter sends: a family's schedule, or one profile at its interval. */
static const struct sim_family *schedule_of(const char *name, struct sim_family *one)
{
	const struct sim_family *f = sim_family_find(name);
	int found = hp_enc_profile_by_name(name);
	if (f != NULL || found < 0)
		return f;
	enum hp_enc_profile p = (enum hp_enc_profile)found;
	memset(one, 0, sizeof(*one));
	one->name = name;
	one->cadence = "";
	one->n = 1;
	one->lists[0] = (struct sim_list){p, interval_of(p) * (uint32_t)MS_PER_S, 0};
	return one;
}

/* The links of the schedule's lists: each keeps its own invocation counter. */
static struct hp_enc_link *link_of(const struct sim_family *f, struct hp_enc_link *links,
				   enum hp_enc_profile p)
{
	for (unsigned i = 0; i + 1 < f->n; i++)
		if (f->lists[i].profile == p)
			return &links[i];
	return &links[f->n - 1];
}

static enum hp_session_end sim_session(struct hp_source *s)
{
	struct sim_family one;
	const struct sim_family *f = schedule_of(s->m.path, &one);
	if (f == NULL) {
		hp_source_fail(s,
			       "sim:%s: no such simulator family or profile (`hanp1d sim --list`)",
			       s->m.path);
		return HP_SESSION_RETRY;
	}
	struct hp_enc_link links[SIM_FAMILY_LISTS_MAX];
	for (unsigned i = 0; i < f->n; i++)
		link_for(&s->m, f->lists[i].profile, &links[i]);
	struct sim_model model;
	sim_model_init(&model, s->m.phases == 1 ? 1 : 3, (uint64_t)time(NULL), sim_local_now());
	sim_model_fit_profile(&model, f->lists[0].profile);
	name_meter_id(&model.values, s->m.name);
	char what[HP_PATH_MAX + 8];
	snprintf(what, sizeof(what), "sim:%s", s->m.path);
	hp_source_opened(s, what);
	hp_source_set_state(s, HP_SOURCE_RUNNING);
	int64_t start = hp_mono_ms();
	int64_t t0 = sim_model_time_ms(&model), t = t0;
	uint8_t mem[SIM_FRAME_MAX];
	for (;;) {
		enum hp_enc_profile p;
		int64_t next = sim_family_next(f, t, &p);
		sim_model_advance_ms(&model, (uint32_t)(next - t));
		t = next;
		struct hp_enc_link *link = link_of(f, links, p);
		struct hp_buf b;
		hp_buf_init(&b, mem, sizeof(mem));
		if (hp_enc_meter_frames(&b, p, &model.values, link) != 0) {
			hp_source_fail(s, "sim:%s: cannot encode a frame", s->m.path);
			return HP_SESSION_RETRY;
		}
		double due = s->m.speed > 0 ? (double)(t - t0) / s->m.speed : 0;
		if (!wait_turn(s, start + (int64_t)due, b.len))
			return HP_SESSION_STOP;
		hp_source_push(s, b.p, b.len);
		link->ggc.ic++;
	}
}

const struct hp_source_driver hp_source_sim_driver = {
    .name = "sim",
    .session = sim_session,
    .backoff_max_ms = 2000,
};
