/* The simulated MEP meter: checks in the order mep.md section 8 gives (digest, then
 * SEQ), answers table reads from images built from the model at each request. */
#include <string.h>

#include "mep_meter.h"
#include "wire.h"

#define ET11_ENTRY_SIZE 66
#define BT28_LEN(pv)    (7 + 4 * (size_t)(pv))

void mep_meter_config_defaults(struct mep_meter_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->mbk, "ABCDEFGHIJKLMNOPQRST", HP_MEP_MBK_LEN);
	cfg->first_seq = 0x1000;
	cfg->trailer = true;
	cfg->present_values = 55;
}

int mep_meter_init(struct mep_meter *m, const struct mep_meter_config *cfg, uint64_t seed,
		   time_t start)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (hp_mep_key_from_mbk(cfg->mbk, m->key) < 0)
		return -1;
	m->expected_seq = cfg->first_seq;
	hp_mep_framer_init(&m->framer);
	sim_model_init(&m->model, 3, seed, start);
	return 0;
}

void mep_meter_silence(struct mep_meter *m)
{
	hp_mep_framer_reset(&m->framer);
}

void mep_meter_jump_seq(struct mep_meter *m, uint32_t delta)
{
	m->expected_seq += delta;
}

size_t mep_meter_alert(struct mep_meter *m, uint8_t *out, size_t cap)
{
	if (cap < 2)
		return 0;
	out[0] = 0;
	out[1] = 0;
	m->stats.alerts++;
	m->handshake_step = 1;
	return 2;
}

static void put_le32(uint8_t *p, double v)
{
	int32_t i = (int32_t)(v < 0 ? v - 0.5 : v + 0.5);
	uint32_t u = (uint32_t)i;
	p[0] = (uint8_t)u;
	p[1] = (uint8_t)(u >> 8);
	p[2] = (uint8_t)(u >> 16);
	p[3] = (uint8_t)(u >> 24);
}

static void fill_text(uint8_t *p, size_t n, const char *s)
{
	memset(p, ' ', n);
	size_t len = strlen(s);
	memcpy(p, s, len < n ? len : n);
}

/* The table image as the meter would hold it now; 0 for a table it does not have. */
static size_t table_image(struct mep_meter *m, uint16_t table, uint8_t *t, size_t cap)
{
	const struct hp_enc_values *v = &m->model.values;
	memset(t, 0, cap);
	switch (table) {
	case HP_MEP_BT01:
		fill_text(t, 4, "ELON");
		fill_text(t + 4, 8, "NES3PH");
		t[14] = 4;
		t[15] = 2;
		return 25;
	case HP_MEP_BT21: {
		static const uint8_t regs[10] = {0x44, 0, 0, 2, 1, 0, 0, 0, 1, 0};
		memcpy(t, regs, sizeof(regs));
		t[9] = m->cfg.present_values;
		return 10;
	}
	case HP_MEP_BT23:
		t[0] = 3; /* demand resets */
		put_le32(t + 1, v->energy_import_kwh * 1000);
		put_le32(t + 5, v->energy_export_kwh * 1000);
		return 13 + 20; /* more summations follow: the client reads 13 */
	case HP_MEP_BT28: {
		size_t pv = m->cfg.present_values;
		uint8_t *p = t + 7; /* one demand: 3 bytes time remaining + 4 bytes value */
		put_le32(t + 3, v->power_import_w);
		double val[55] = {0};
		val[0] = v->power_import_w;
		val[1] = v->power_export_w;
		val[2] = v->reactive_import_var;
		val[3] = v->reactive_export_var;
		double apparent = 0;
		for (int i = 0; i < 3; i++) {
			val[4 + i] = v->current_a[i] * 1000;
			val[7 + i] = v->voltage_v[i] * 1000;
			val[26 + i] = v->phase_power_import_w[i];
			val[29 + i] = v->phase_power_export_w[i];
			apparent += v->voltage_v[i] * v->current_a[i];
		}
		val[10] = v->phase_power_factor[0] * 1000;
		val[13] = v->phase_power_factor[1] * 1000;
		val[14] = v->phase_power_factor[2] * 1000;
		val[11] = v->frequency_hz * 1000;
		val[12] = apparent;
		for (size_t i = 0; i < pv && i < 55; i++)
			put_le32(p + 4 * i, val[i]);
		return BT28_LEN(pv);
	}
	case HP_MEP_BT52: {
		time_t now = (time_t)(sim_model_time_ms(&m->model) / 1000);
		struct tm tm;
		gmtime_r(&now, &tm); /* the model's clock is already local wall time */
		t[0] = (uint8_t)(tm.tm_year % 100);
		t[1] = (uint8_t)(tm.tm_mon + 1);
		t[2] = (uint8_t)tm.tm_mday;
		t[3] = (uint8_t)tm.tm_hour;
		t[4] = (uint8_t)tm.tm_min;
		t[5] = (uint8_t)tm.tm_sec;
		t[6] = (uint8_t)tm.tm_wday;
		return 7;
	}
	case HP_MEP_ET03:
		fill_text(t, 30, "5706567000012345");
		return 30;
	case HP_MEP_ET11:
		t[1] = ET11_ENTRY_SIZE;
		return 8;
	case HP_MEP_ET13:
		return 4 * ET11_ENTRY_SIZE + 16;
	case HP_MEP_ET50:
		return 40; /* byte 30 = 0: the result goes to BT08 */
	case HP_MEP_BT08:
		memcpy(t, m->bt08, 4);
		return 4;
	case HP_MEP_ET58:
		return 4;
	default:
		return 0;
	}
}

/* LEN | CODE | body [| SEQ echo | digest]. */
static size_t reply(struct mep_meter *m, uint8_t code, const uint8_t *body, size_t n, uint32_t seq,
		    uint8_t *out, size_t cap)
{
	size_t trailer = m->cfg.trailer && code == HP_MEP_OK ? 12 : 0;
	size_t len = 3 + n + trailer;
	if (len > cap)
		return 0;
	hp_put_be16(out, (uint16_t)(len - 2));
	out[2] = code;
	if (n > 0)
		memcpy(out + 3, body, n);
	if (trailer) {
		hp_put_be32(out + 3 + n, seq);
		hp_mep_digest(m->key, HP_MEP_KEY_LEN, out + 2, 1 + n + 4, out + 7 + n);
	}
	m->stats.answered++;
	return len;
}

static size_t data_reply(struct mep_meter *m, const uint8_t *d, size_t n, uint32_t seq,
			 uint8_t *out, size_t cap)
{
	uint8_t body[2 + 512];
	if (n > 512)
		n = 512;
	hp_put_be16(body, (uint16_t)n);
	memcpy(body + 2, d, n);
	return reply(m, HP_MEP_OK, body, 2 + n, seq, out, cap);
}

/* Follows the five steps of 5.3 after an alert. */
static void track_handshake(struct mep_meter *m, const uint8_t *a, size_t n)
{
	if (m->handshake_step == 0)
		return;
	static const uint8_t step_table[5][3] = {{0x3F, 0x08, 0x0B},
						 {0x3F, 0x08, 0x0D},
						 {0x3F, 0x08, 0x32},
						 {0x40, 0x00, 0x07},
						 {0x30, 0x00, 0x08}};
	const uint8_t *want = step_table[m->handshake_step - 1];
	/* A step asked again (after 04 or a timeout) is still the same step. */
	if (m->handshake_step > 1 && n >= 3 && memcmp(a, step_table[m->handshake_step - 2], 3) == 0)
		return;
	if (n < 3 || memcmp(a, want, 3) != 0) {
		m->stats.handshake_bad++;
		m->handshake_step = 0;
		return;
	}
	if (++m->handshake_step > 5) {
		m->stats.handshake_ok++;
		m->handshake_step = 0;
	}
}

static size_t answer(struct mep_meter *m, const uint8_t *f, size_t len, uint8_t *out, size_t cap)
{
	size_t declared = len - 2;
	if (declared < 13) {
		m->stats.ignored++;
		return 0;
	}
	m->stats.requests++;
	const uint8_t *apdu = f + 2;
	size_t n = declared - 12;
	uint8_t digest[HP_MEP_DIGEST_LEN];
	hp_mep_digest(m->key, HP_MEP_KEY_LEN, apdu, n + 4, digest);
	if (memcmp(digest, apdu + n + 4, HP_MEP_DIGEST_LEN) != 0) {
		m->stats.auth_failures++;
		return reply(m, HP_MEP_ERR_AUTH, NULL, 0, 0, out, cap);
	}
	uint32_t seq = hp_be32(apdu + n);
	if (seq != m->expected_seq) {
		m->stats.seq_failures++;
		uint8_t want[4];
		hp_put_be32(want, m->expected_seq);
		return reply(m, HP_MEP_ERR_SEQUENCE, want, 4, seq, out, cap);
	}
	m->expected_seq = seq + 1;
	track_handshake(m, apdu, n);
	uint8_t table[600];
	if (apdu[0] == HP_MEP_OP_FULL_READ && n == 5) {
		size_t tn = table_image(m, hp_be16(apdu + 1), table, sizeof(table));
		if (tn == 0)
			return reply(m, HP_MEP_ERR_UNSUPPORTED, NULL, 0, seq, out, cap);
		return data_reply(m, table, tn, seq, out, cap);
	}
	if (apdu[0] == HP_MEP_OP_PARTIAL_READ && n == 8) {
		size_t tn = table_image(m, hp_be16(apdu + 1), table, sizeof(table));
		if (tn == 0)
			return reply(m, HP_MEP_ERR_UNSUPPORTED, NULL, 0, seq, out, cap);
		size_t off = (size_t)apdu[3] << 16 | (size_t)apdu[4] << 8 | apdu[5];
		size_t count = hp_be16(apdu + 6);
		if (off + count > tn)
			return reply(m, HP_MEP_ERR_TABLE_OP, NULL, 0, seq, out, cap);
		return data_reply(m, table + off, count, seq, out, cap);
	}
	if (apdu[0] == HP_MEP_OP_FULL_WRITE && n >= 8 && hp_be16(apdu + 1) == HP_MEP_BT07) {
		uint8_t ss = apdu[7];
		if (ss < 5 || ss > 9 || ss == m->last_ss)
			return reply(m, HP_MEP_ERR_NOT_POSSIBLE, NULL, 0, seq, out, cap);
		m->last_ss = ss;
		m->bt08[0] = apdu[5];
		m->bt08[1] = apdu[6];
		m->bt08[2] = ss;
		m->bt08[3] = 0;
		return reply(m, HP_MEP_OK, NULL, 0, seq, out, cap);
	}
	return reply(m, HP_MEP_ERR_UNRECOGNIZED, NULL, 0, seq, out, cap);
}

size_t mep_meter_input(struct mep_meter *m, uint64_t now_ms, const uint8_t *p, size_t n,
		       size_t *consumed, uint8_t *out, size_t cap)
{
	if (now_ms > m->model_ms) {
		uint64_t dt = now_ms - m->model_ms;
		m->model_ms = now_ms;
		sim_model_advance_ms(&m->model, (uint32_t)(dt > 3600000 ? 3600000 : dt));
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *f;
		size_t len;
		if (hp_mep_framer_byte(&m->framer, p[i], &f, &len) != HP_MEP_FRAME_RESPONSE)
			continue; /* a client never sends 00 00: nothing to do */
		*consumed = i + 1;
		size_t r = answer(m, f, len, out, cap);
		if (m->swallow_next && r > 0) {
			m->swallow_next = false;
			return 0;
		}
		return r;
	}
	*consumed = n;
	return 0;
}
