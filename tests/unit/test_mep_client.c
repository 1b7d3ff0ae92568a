/* The MEP client state machine against the simulated meter, on a virtual clock:
 * start-up and resync, polling, alerts, timeouts with ENABLE cycling, wrong MBK
 * backoff, sequence churn, procedure sequences, garbage and dribbled replies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mep_client.h"
#include "mep_meter.h"

#define REPLY_DELAY_MS 50

struct link {
	struct hp_mep_client c;
	struct mep_meter m;
	uint64_t now;
	uint8_t pending[8192]; /* bytes on their way to the client */
	size_t pending_len;
	uint64_t deliver_at;
	bool dribble;  /* one byte per 20 ms */
	bool port_off; /* the meter hears nothing (a disabled MEP port) */
	int enable;    /* the line as the client left it */
	unsigned enable_drops, flushes, reopens;
	unsigned readings, errors, auth_errors, unsupported_errors;
	struct hp_reading last, first;
	uint64_t request_times[64];
	unsigned requests;
	bool saw_stale;
};

/* With MEP_SEED_DIR set (fuzz/make-seeds), every reply is also written there as a
 * fuzz_mep seed: the BT21 dimension bytes of the simulated meter, then the reply. */
static void dump_seed(const uint8_t *p, size_t n)
{
	static unsigned count;
	const char *dir = getenv("MEP_SEED_DIR");
	if (dir == NULL || count >= 40)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s/reply-%02u.bin", dir, count++);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return;
	fputc(0x44, f);
	fputc(0x01, f);
	fwrite(p, 1, n, f);
	fclose(f);
}

static void queue_to_client(struct link *l, const uint8_t *p, size_t n, uint64_t at)
{
	dump_seed(p, n);
	if (l->pending_len + n > sizeof(l->pending))
		return;
	if (l->pending_len == 0)
		l->deliver_at = at;
	memcpy(l->pending + l->pending_len, p, n);
	l->pending_len += n;
}

static void act(struct link *l, const struct hp_mep_output *out)
{
	if (out->flush_input)
		l->flushes++;
	if (out->enable == 0 && l->enable != 0)
		l->enable_drops++;
	if (out->enable >= 0)
		l->enable = out->enable;
	if (out->reopen)
		l->reopens++;
	if (out->has_error) {
		l->errors++;
		l->auth_errors += out->error.code == HP_ERR_AUTH;
		l->unsupported_errors += out->error.code == HP_ERR_UNSUPPORTED;
	}
	if (out->has_reading) {
		if (l->readings == 0)
			l->first = out->reading;
		l->last = out->reading;
		l->readings++;
	}
	if (getenv("MEP_TRACE") && out->tx_len > 0)
		fprintf(stderr, "%llu tx %02x%02x%02x%02x phase %d job %d\n",
			(unsigned long long)l->now, out->tx[2], out->tx[3], out->tx[4], out->tx[5],
			l->c.phase, l->c.job);
	if (out->tx_len > 0) {
		if (l->requests < 64)
			l->request_times[l->requests] = l->now;
		l->requests++;
		if (l->port_off || l->enable != 1)
			return;
		size_t used = 0, off = 0;
		uint8_t reply[MEP_METER_REPLY_MAX];
		while (off < out->tx_len) {
			size_t r = mep_meter_input(&l->m, l->now, out->tx + off, out->tx_len - off,
						   &used, reply, sizeof(reply));
			off += used;
			if (r > 0)
				queue_to_client(l, reply, r, l->now + REPLY_DELAY_MS);
		}
	}
}

static void link_init(struct link *l, const char *client_mbk, const struct mep_meter_config *mc)
{
	memset(l, 0, sizeof(*l));
	l->enable = -1;
	struct mep_meter_config def;
	mep_meter_config_defaults(&def);
	CHECK(mep_meter_init(&l->m, mc ? mc : &def, 7, 1780000000) == 0);
	uint8_t key[HP_MEP_KEY_LEN];
	CHECK(hp_mep_key_from_mbk(client_mbk, key) == 0);
	struct hp_mep_client_config cfg;
	hp_mep_client_config_defaults(&cfg);
	struct hp_mep_output out;
	hp_mep_client_init(&l->c, key, &cfg, l->now, &out);
	act(l, &out);
}

static void deliver(struct link *l, size_t n)
{
	size_t off = 0;
	struct hp_mep_output out;
	while (off < n) {
		off += hp_mep_client_input(&l->c, l->now, l->pending + off, n - off, &out);
		act(l, &out);
	}
	memmove(l->pending, l->pending + n, l->pending_len - n);
	l->pending_len -= n;
	l->deliver_at = l->now + (l->dribble ? 20 : 0);
}

/* Runs the virtual clock for ms in 10 ms steps. */
static void run(struct link *l, uint64_t ms)
{
	uint64_t end = l->now + ms;
	while (l->now < end) {
		l->now += 10;
		if (getenv("MEP_TRACE") && l->now % 1000 == 0)
			fprintf(stderr,
				"%llu phase %d deadline %llu step %d regs %d started %d done %x\n",
				(unsigned long long)l->now, l->c.phase,
				(unsigned long long)hp_mep_client_deadline(&l->c, l->now),
				l->c.cycle_step, l->c.have_regs, l->c.started, l->c.identity_done);
		if (l->pending_len > 0 && l->now >= l->deliver_at)
			deliver(l, l->dribble ? 1 : l->pending_len);
		l->saw_stale |= l->c.stale;
		if (l->now >= hp_mep_client_deadline(&l->c, l->now)) {
			struct hp_mep_output out;
			hp_mep_client_tick(&l->c, l->now, &out);
			act(l, &out);
		}
	}
}

static const char MBK[] = "ABCDEFGHIJKLMNOPQRST";

static void test_normal_polling(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, MBK, NULL);
	CHECK_INT(l->enable, 0); /* start-up: ENABLE low first */
	run(l, 60000);
	CHECK_INT(l->enable, 1);
	CHECK(l->flushes >= 1);
	/* SEQ 0 drew one 0C; the resync with the meter's SEQ worked at once. */
	CHECK_INT(l->c.stats.resyncs, 1);
	CHECK_INT(l->m.stats.seq_failures, 1);
	CHECK_INT(l->m.stats.auth_failures, 0);
	CHECK(l->readings >= 5 && l->readings <= 7);
	CHECK(l->c.diag == HP_MEP_DIAG_OK);
	const struct hp_reading *r = &l->last;
	CHECK(r->protocol == HP_PROTO_MEP && r->framing == HP_FRAMING_MEP && !r->encrypted);
	CHECK_STREQ(r->text[HP_TEXT_METER_ID], "5706567000012345");
	CHECK_STREQ(r->text[HP_TEXT_MANUFACTURER], "ELON");
	CHECK_STREQ(r->text[HP_TEXT_METER_MODEL], "NES3PH");
	CHECK(hp_reading_has(r, HP_NUM_ENERGY_IMPORT_KWH));
	CHECK(hp_reading_has(r, HP_NUM_POWER_IMPORT_W));
	CHECK(r->num[HP_NUM_L1_VOLTAGE_V] > 200 && r->num[HP_NUM_L1_VOLTAGE_V] < 260);
	CHECK(r->num[HP_NUM_FREQUENCY_HZ] > 49.5 && r->num[HP_NUM_FREQUENCY_HZ] < 50.5);
	double sum = r->num[HP_NUM_L1_POWER_IMPORT_W] + r->num[HP_NUM_L2_POWER_IMPORT_W] +
		     r->num[HP_NUM_L3_POWER_IMPORT_W];
	CHECK_MSG(fabs(sum - r->num[HP_NUM_POWER_IMPORT_W]) <= 3, "phases %g total %g", sum,
		  r->num[HP_NUM_POWER_IMPORT_W]);
	/* The clock comes with the first reading only (clock_every 0). */
	CHECK(hp_reading_has_text(&l->first, HP_TEXT_METER_TIME));
	CHECK(!hp_reading_has_text(r, HP_TEXT_METER_TIME));
	/* Energy grows between readings. */
	CHECK(r->num[HP_NUM_ENERGY_IMPORT_KWH] >= l->first.num[HP_NUM_ENERGY_IMPORT_KWH]);
	/* Cycles start 10 s apart: BT23 and BT28 back to back, then quiet. */
	CHECK_INT(l->c.stats.requests, 5 + 2 * l->readings);
	free(l);
}

static void test_wrong_mbk_backs_off(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, "ZZZZZZZZZZZZZZZZZZZZ", NULL);
	run(l, 10 * 60000);
	CHECK_INT(l->readings, 0);
	CHECK(l->c.diag == HP_MEP_DIAG_AUTH);
	/* 30, 60, 120, 240 s: at most 5 requests in ten minutes, never faster than 30 s. */
	CHECK(l->requests >= 4 && l->requests <= 5);
	for (unsigned i = 1; i < l->requests && i < 64; i++)
		CHECK(l->request_times[i] - l->request_times[i - 1] >= 30000);
	CHECK_INT(l->auth_errors, l->requests);
	CHECK_INT(l->m.stats.auth_failures, l->requests);
	CHECK(strstr(hp_mep_diagnosis_cause(l->c.diag), "MBK") != NULL);
	free(l);
}

static void test_sequence_jump_and_churn(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, MBK, NULL);
	run(l, 25000);
	unsigned before = l->readings;
	mep_meter_jump_seq(&l->m, 517);
	run(l, 20000);
	CHECK(l->readings >= before + 2);
	CHECK_INT(l->c.stats.resyncs, 2);

	/* Uplink traffic before every request: 0C forever -> back off after 5 resyncs. */
	uint64_t reqs = l->m.stats.requests;
	for (int i = 0; i < 3000; i++) {
		mep_meter_jump_seq(&l->m, 3);
		run(l, 10);
	}
	CHECK(l->c.diag == HP_MEP_DIAG_SEQUENCE_CHURN);
	CHECK(l->m.stats.requests - reqs <= 2 * 6 + 2);
	free(l);
}

static void test_alert_handshake(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, MBK, NULL);
	run(l, 15000);
	uint8_t alert[2];
	for (int round = 0; round < 7; round++) {
		/* Idle: straight into the handshake. Then during a request. */
		size_t n = mep_meter_alert(&l->m, alert, sizeof(alert));
		queue_to_client(l, alert, n, l->now);
		run(l, 12000);
	}
	CHECK_INT(l->m.stats.handshake_ok, 7);
	CHECK_INT(l->m.stats.handshake_bad, 0);
	CHECK_INT(l->c.stats.handshakes, 7);
	CHECK_INT(l->c.stats.last_procedure_result, 0);
	/* SS 5,6,7,8,9,5,6: the next is 7. */
	CHECK_INT(l->c.ss, 7);
	CHECK(l->readings >= 8);

	/* A bad procedure sequence (04): the client takes the next SS and succeeds. */
	l->m.last_ss = l->c.ss;
	size_t n = mep_meter_alert(&l->m, alert, sizeof(alert));
	queue_to_client(l, alert, n, l->now);
	run(l, 12000);
	CHECK_INT(l->m.stats.handshake_ok, 8);
	CHECK_INT(l->c.ss, 9);
	free(l);
}

static void test_timeout_toggles_enable(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, MBK, NULL);
	run(l, 15000);
	unsigned drops = l->enable_drops, readings = l->readings;
	l->m.swallow_next = true;
	run(l, 30000);
	CHECK(l->saw_stale);
	CHECK_INT(l->c.stats.timeouts, 1);
	CHECK_INT(l->c.stats.enable_toggles, 1);
	CHECK_INT(l->enable_drops, drops + 1);
	CHECK_INT(l->enable, 1);
	/* The stale resend drew 0C (the meter had moved on) and was resynced. */
	CHECK_INT(l->c.stats.resyncs, 2);
	CHECK(l->readings > readings);
	CHECK(!l->c.stale);
	free(l);
}

static void test_disabled_port(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, MBK, NULL);
	l->port_off = true;
	run(l, 60000);
	CHECK(l->c.diag == HP_MEP_DIAG_NO_ANSWER);
	CHECK(l->c.stale);
	CHECK(l->enable_drops >= 4);
	/* 50 attempts at 13 s each: then the port is reopened and the client restarts. */
	run(l, 50 * 13000);
	CHECK_INT(l->reopens, 1);
	CHECK_INT(l->c.seq, 1);
	l->port_off = false;
	run(l, 60000);
	CHECK(l->readings >= 3);
	CHECK(l->c.diag == HP_MEP_DIAG_OK);
	free(l);
}

static void test_unsupported_bt28(void)
{
	struct link *l = calloc(1, sizeof(*l));
	struct mep_meter_config mc;
	mep_meter_config_defaults(&mc);
	mc.present_values = 20;
	link_init(l, MBK, &mc);
	run(l, 30000);
	/* BT23 alone: energies, never zeros for the rest. */
	CHECK(l->readings >= 1);
	CHECK(hp_reading_has(&l->last, HP_NUM_ENERGY_IMPORT_KWH));
	CHECK(!hp_reading_has(&l->last, HP_NUM_POWER_IMPORT_W));
	CHECK(l->unsupported_errors >= 1);
	CHECK(l->c.diag == HP_MEP_DIAG_UNSUPPORTED);
	free(l);
}

static void test_garbage_and_dribble(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, MBK, NULL);
	l->dribble = true;
	run(l, 15000);
	CHECK(l->readings >= 1);
	/* Noise while idle: a partial frame that dies after 100 ms, and LEN > 1024 bytes. */
	static const uint8_t noise[] = {0xFF, 0xFF, 0x13, 0x00, 0x07, 0x00};
	queue_to_client(l, noise, sizeof(noise), l->now);
	unsigned readings = l->readings;
	run(l, 30000);
	CHECK(l->readings >= readings + 2);
	CHECK(l->c.framer.dropped >= sizeof(noise) - 1);
	CHECK_INT(l->c.stats.timeouts, 0);
	free(l);
}

/* Every cut of a reply: the client takes it byte by byte in two chunks. */
static void test_cut_at_every_byte(void)
{
	struct link *l = calloc(1, sizeof(*l));
	link_init(l, MBK, NULL);
	run(l, 15000);
	CHECK(l->readings >= 1);
	/* Next cycle: hold the BT23 reply and feed it cut at position k, for every k. */
	for (size_t k = 1; k < 20; k++) {
		run(l, 1);
		while (l->pending_len == 0)
			run(l, 10);
		/* A reply is pending: deliver the first k bytes, then the rest. */
		size_t n = l->pending_len;
		size_t cut = k < n ? k : n - 1;
		struct hp_mep_output out;
		size_t off = 0;
		while (off < cut) {
			off +=
			    hp_mep_client_input(&l->c, l->now, l->pending + off, cut - off, &out);
			act(l, &out);
		}
		l->now += 10;
		deliver(l, 0);
		memmove(l->pending, l->pending + cut, n - cut);
		l->pending_len = n - cut;
		l->deliver_at = l->now;
	}
	run(l, 20000);
	CHECK_INT(l->c.stats.timeouts, 0);
	CHECK_INT(l->c.stats.unsolicited, 0);
	CHECK(l->readings >= 10);
	free(l);
}

int main(void)
{
	test_normal_polling();
	test_wrong_mbk_backs_off();
	test_sequence_jump_and_churn();
	test_alert_handshake();
	test_timeout_toggles_enable();
	test_disabled_port();
	test_unsupported_bt28();
	test_garbage_and_dribble();
	test_cut_at_every_byte();
	return check_report("test_mep_client");
}
