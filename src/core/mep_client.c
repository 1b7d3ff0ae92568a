/* The MEP client state machine (mep.md section 5). No I/O: the source carries out
 * what each call leaves in struct hp_mep_output. */
#include <string.h>

#include "mep_client.h"

enum phase {
	PH_ENABLE_LOW,    /* start-up: ENABLE held low 1 s for a clean edge */
	PH_ENABLE_SETTLE, /* ENABLE high, 1 s before the first request */
	PH_IDLE,          /* nothing outstanding */
	PH_WAIT,          /* a request is outstanding */
	PH_TOGGLE_LOW,    /* after a timeout: ENABLE low 2 s */
	PH_TOGGLE_SETTLE, /* then high 1 s, flush, resend the same bytes */
	PH_BACKOFF,       /* after 0B or sequence churn */
};

#define START_LOW_MS     1000
#define START_SETTLE_MS  1000
#define TOGGLE_LOW_MS    2000
#define TOGGLE_SETTLE_MS 1000
#define REFUSED_RETRY_MS 60000
#define BACKOFF_FIRST_MS 30000
#define BACKOFF_MAX_MS   600000
#define MAX_ATTEMPTS     50
#define MAX_RESYNCS      5
#define MAX_SS_RETRIES   5
/* With nothing outstanding, a partial frame is dropped after this much silence. */
#define IDLE_PARTIAL_MS 100

static const char *const job_names[HP_MEP_JOB_COUNT] = {
    "BT52", "BT01", "BT21", "ET03", "BT23", "BT28", "ET11", "ET13", "ET50", "EP39", "BT08/ET58",
};

void hp_mep_output_clear(struct hp_mep_output *out)
{
	out->flush_input = false;
	out->enable = -1;
	out->reopen = false;
	out->tx_len = 0;
	out->has_reading = false;
	out->has_error = false;
}

void hp_mep_client_config_defaults(struct hp_mep_client_config *cfg)
{
	cfg->poll_interval_ms = 10000;
	cfg->min_gap_ms = 2000;
	cfg->reply_timeout_ms = 10000;
	cfg->clock_every = 0;
}

const char *hp_mep_diagnosis_name(enum hp_mep_diagnosis d)
{
	switch (d) {
	case HP_MEP_DIAG_OK:
		return "ok";
	case HP_MEP_DIAG_AUTH:
		return "auth";
	case HP_MEP_DIAG_NO_ANSWER:
		return "no_answer";
	case HP_MEP_DIAG_SEQUENCE_CHURN:
		return "sequence_churn";
	case HP_MEP_DIAG_UNSUPPORTED:
		return "unsupported";
	default:
		return "starting";
	}
}

const char *hp_mep_diagnosis_cause(enum hp_mep_diagnosis d)
{
	switch (d) {
	case HP_MEP_DIAG_OK:
		return "the meter answers";
	case HP_MEP_DIAG_AUTH:
		return "the meter rejects the request digest (code 0B): the MBK is wrong, or the "
		       "meter refuses this request kind; check the 20-character MBK from the grid "
		       "company";
	case HP_MEP_DIAG_NO_ANSWER:
		return "no answer although ENABLE was cycled: the MEP port may be switched off by "
		       "the grid company, ENABLE or RXD/TXD miswired, or the adapter is TTL "
		       "instead "
		       "of RS-232";
	case HP_MEP_DIAG_SEQUENCE_CHURN:
		return "the meter keeps asking for a new sequence number (code 0C): its uplink is "
		       "busy or another MEP device shares the port";
	case HP_MEP_DIAG_UNSUPPORTED:
		return "BT28 is not laid out as a three-phase NES meter's (fewer than 55 present "
		       "values)";
	default:
		return "starting up: ENABLE cycle and the first requests";
	}
}

static void restart(struct hp_mep_client *c, uint64_t now, struct hp_mep_output *out)
{
	hp_mep_framer_reset(&c->framer);
	c->phase = PH_ENABLE_LOW;
	c->phase_until = now + START_LOW_MS;
	c->seq = 0;
	c->started = false;
	c->have_regs = false;
	c->handshake = 0;
	c->alert_pending = false;
	c->cycle_step = 0;
	c->resyncs_in_row = 0;
	c->attempts = 0;
	memset(c->retry_at, 0, sizeof(c->retry_at));
	out->enable = 0;
}

void hp_mep_client_init(struct hp_mep_client *c, const uint8_t key[HP_MEP_KEY_LEN],
			const struct hp_mep_client_config *cfg, uint64_t now,
			struct hp_mep_output *out)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	memcpy(c->key, key, HP_MEP_KEY_LEN);
	hp_mep_framer_init(&c->framer);
	c->ss = 5;
	c->backoff_ms = BACKOFF_FIRST_MS;
	c->stats.last_procedure_result = -1;
	c->diag = HP_MEP_DIAG_STARTING;
	hp_reading_init(&c->ident, HP_PROTO_MEP, HP_FRAMING_MEP);
	hp_mep_output_clear(out);
	restart(c, now, out);
}

static size_t build_apdu(struct hp_mep_client *c, enum hp_mep_job job, uint8_t *a, size_t cap)
{
	switch (job) {
	case HP_MEP_JOB_BT52:
		return hp_mep_apdu_full_read(a, cap, HP_MEP_BT52);
	case HP_MEP_JOB_BT01:
		return hp_mep_apdu_full_read(a, cap, HP_MEP_BT01);
	case HP_MEP_JOB_BT21:
		return hp_mep_apdu_full_read(a, cap, HP_MEP_BT21);
	case HP_MEP_JOB_ET03:
		return hp_mep_apdu_full_read(a, cap, HP_MEP_ET03);
	case HP_MEP_JOB_BT23:
		/* The firmware's 2024 fix: a full BT23 read drew 0B/0C on some meters. */
		return hp_mep_apdu_partial_read(a, cap, HP_MEP_BT23, 0, 13);
	case HP_MEP_JOB_BT28:
		return hp_mep_apdu_full_read(a, cap, HP_MEP_BT28);
	case HP_MEP_JOB_ET11:
		return hp_mep_apdu_partial_read(a, cap, HP_MEP_ET11, 1, 1);
	case HP_MEP_JOB_ET13:
		return hp_mep_apdu_partial_read(a, cap, HP_MEP_ET13, 4u * c->alert_entry + 8, 1);
	case HP_MEP_JOB_ET50:
		return hp_mep_apdu_partial_read(a, cap, HP_MEP_ET50, 30, 1);
	case HP_MEP_JOB_EP39:
		return hp_mep_apdu_ep39(a, cap, c->ss);
	case HP_MEP_JOB_RESULT:
		/* F bit 1 set: the result is posted in ET58 instead of BT08. */
		return hp_mep_apdu_full_read(a, cap,
					     (c->mep_flags & 0x02) ? HP_MEP_ET58 : HP_MEP_BT08);
	default:
		return 0;
	}
}

/* Frames the outstanding APDU with the current SEQ (which then advances) and sends it. */
static void send_frame(struct hp_mep_client *c, uint64_t now, struct hp_mep_output *out)
{
	c->frame_len =
	    hp_mep_request(c->key, c->apdu, c->apdu_len, c->seq, c->frame, sizeof(c->frame));
	c->seq++;
	memcpy(out->tx, c->frame, c->frame_len);
	out->tx_len = c->frame_len;
	c->phase = PH_WAIT;
	c->phase_until = now + c->cfg.reply_timeout_ms;
	c->last_send = now;
	c->attempts++;
	c->stats.requests++;
}

static void start_job(struct hp_mep_client *c, enum hp_mep_job job, uint64_t now,
		      struct hp_mep_output *out)
{
	c->job = job;
	c->apdu_len = build_apdu(c, job, c->apdu, sizeof(c->apdu));
	c->attempts = 0;
	send_frame(c, now, out);
}

static bool due(const struct hp_mep_client *c, enum hp_mep_job job, uint64_t now)
{
	return c->retry_at[job] <= now;
}

static void emit_error(struct hp_mep_client *c, struct hp_mep_output *out, enum hp_error_code code,
		       const char *detail)
{
	(void)c;
	out->has_error = true;
	hp_error_set(&out->error, code, "%s", detail);
}

/* Ends a polling cycle: one cycle is one reading, with whatever BT23 and BT28 gave. */
static void finish_cycle(struct hp_mep_client *c, struct hp_mep_output *out)
{
	c->cycle_step = 0;
	c->cycles++;
	if (c->cycle.num_present == 0)
		return;
	struct hp_reading *r = &c->cycle;
	for (int t = 0; t < HP_TEXT_COUNT; t++)
		if (hp_reading_has_text(&c->ident, (enum hp_text)t) && t != HP_TEXT_METER_ID)
			hp_reading_set_text(r, (enum hp_text)t, c->ident.text[t],
					    strlen(c->ident.text[t]));
	if (hp_reading_has_text(&c->ident, HP_TEXT_METER_ID))
		hp_reading_offer_id(r, HP_ID_SERIAL, c->ident.text[HP_TEXT_METER_ID],
				    strlen(c->ident.text[HP_TEXT_METER_ID]));
	if (c->have_clock) {
		hp_reading_set_text(r, HP_TEXT_METER_TIME, c->clock, strlen(c->clock));
		r->meter_time_dst = c->clock_dst;
		c->have_clock = false;
	}
	hp_reading_finish(r);
	out->reading = *r;
	out->has_reading = true;
	c->stats.readings++;
	c->stale = false;
	if (c->diag != HP_MEP_DIAG_UNSUPPORTED)
		c->diag = HP_MEP_DIAG_OK;
}

/* Picks and sends the next request when one is due. */
static void pump(struct hp_mep_client *c, uint64_t now, struct hp_mep_output *out)
{
	if (c->phase != PH_IDLE || out->tx_len > 0)
		return;
	if (c->handshake == 0 && c->alert_pending && c->started) {
		c->alert_pending = false;
		c->handshake = 1;
		c->stats.handshakes++;
	}
	if (c->handshake > 0) {
		start_job(c, (enum hp_mep_job)(HP_MEP_JOB_ET11 + c->handshake - 1), now, out);
		return;
	}
	if (!c->started) {
		start_job(c, HP_MEP_JOB_BT52, now, out);
		return;
	}
	static const enum hp_mep_job identity[] = {HP_MEP_JOB_BT01, HP_MEP_JOB_BT21,
						   HP_MEP_JOB_ET03};
	for (size_t i = 0; i < sizeof(identity) / sizeof(identity[0]); i++) {
		if (!(c->identity_done & (1u << identity[i])) && due(c, identity[i], now)) {
			start_job(c, identity[i], now, out);
			return;
		}
	}
	if (!c->have_regs) {
		/* Never decode BT23/BT28 before BT21: retry it when its wait is over. */
		if (due(c, HP_MEP_JOB_BT21, now))
			start_job(c, HP_MEP_JOB_BT21, now, out);
		return;
	}
	if (c->cycle_step == 0) {
		uint64_t start = c->next_cycle;
		if (start < c->last_send + c->cfg.min_gap_ms)
			start = c->last_send + c->cfg.min_gap_ms;
		if (now < start)
			return;
		c->next_cycle = now + c->cfg.poll_interval_ms;
		hp_reading_init(&c->cycle, HP_PROTO_MEP, HP_FRAMING_MEP);
		c->cycle_step = 1;
	}
	if (c->cycle_step == 1) {
		c->cycle_step = 2;
		if (c->cfg.clock_every > 0 && c->cycles % c->cfg.clock_every == 0 &&
		    due(c, HP_MEP_JOB_BT52, now)) {
			start_job(c, HP_MEP_JOB_BT52, now, out);
			return;
		}
	}
	if (c->cycle_step == 2) {
		c->cycle_step = 3;
		if (due(c, HP_MEP_JOB_BT23, now)) {
			start_job(c, HP_MEP_JOB_BT23, now, out);
			return;
		}
	}
	if (c->cycle_step == 3) {
		if (due(c, HP_MEP_JOB_BT28, now)) {
			c->cycle_step = 4;
			start_job(c, HP_MEP_JOB_BT28, now, out);
			return;
		}
		finish_cycle(c, out);
	}
}

static void go_idle(struct hp_mep_client *c, uint64_t now, struct hp_mep_output *out)
{
	c->phase = PH_IDLE;
	c->attempts = 0;
	pump(c, now, out);
}

static void back_off(struct hp_mep_client *c, uint64_t now)
{
	c->phase = PH_BACKOFF;
	c->phase_until = now + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
	c->resyncs_in_row = 0;
}

/* The request was answered but not with data: the job is over for now. */
static void job_failed(struct hp_mep_client *c, uint64_t now)
{
	enum hp_mep_job j = c->job;
	if (j >= HP_MEP_JOB_ET11) {
		c->handshake = 0;
	} else if (j == HP_MEP_JOB_BT52 && !c->started) {
		c->started = true; /* it answered: go on without the clock */
	} else if (j == HP_MEP_JOB_BT01 || j == HP_MEP_JOB_ET03) {
		c->identity_done |= 1u << j;
	} else if (j == HP_MEP_JOB_BT23) {
		c->cycle_step = 3;
	} else if (j == HP_MEP_JOB_BT28) {
		c->cycle_step = 3;
		c->retry_at[j] = now + REFUSED_RETRY_MS;
	}
}

static void refused(struct hp_mep_client *c, uint64_t now, uint8_t code, struct hp_mep_output *out)
{
	enum hp_mep_job j = c->job;
	c->retry_at[j] = now + REFUSED_RETRY_MS;
	if (!(c->logged & (1u << j))) {
		c->logged |= 1u << j;
		out->has_error = true;
		hp_error_set(&out->error, HP_ERR_UNSUPPORTED, "MEP %s refused: code %02X (%s)",
			     job_names[j], code, hp_mep_code_name(code));
	}
	job_failed(c, now);
}

static void got_data(struct hp_mep_client *c, uint64_t now, const struct hp_mep_response *r,
		     struct hp_mep_output *out)
{
	struct hp_error err = {0};
	int rc = 0;
	const uint8_t *d = r->data;
	size_t n = r->data_len;
	bool need_data = c->job != HP_MEP_JOB_EP39;
	if (need_data && !r->has_data) {
		hp_error_set(&err, HP_ERR_MALFORMED, "MEP %s answer without data",
			     job_names[c->job]);
		rc = -1;
	} else {
		switch (c->job) {
		case HP_MEP_JOB_BT52: {
			c->started = true;
			struct hp_reading tmp;
			hp_reading_init(&tmp, HP_PROTO_MEP, HP_FRAMING_MEP);
			rc = hp_mep_bt52_apply(d, n, &tmp, &err);
			if (rc == 0 && hp_reading_has_text(&tmp, HP_TEXT_METER_TIME)) {
				memcpy(c->clock, tmp.text[HP_TEXT_METER_TIME], HP_TIME_MAX);
				c->clock_dst = tmp.meter_time_dst;
				c->have_clock = true;
			}
			break;
		}
		case HP_MEP_JOB_BT01:
			c->identity_done |= 1u << HP_MEP_JOB_BT01;
			rc = hp_mep_bt01_apply(d, n, &c->ident, &err);
			break;
		case HP_MEP_JOB_ET03:
			c->identity_done |= 1u << HP_MEP_JOB_ET03;
			rc = hp_mep_et03_apply(d, n, &c->ident, &err);
			break;
		case HP_MEP_JOB_BT21:
			c->identity_done |= 1u << HP_MEP_JOB_BT21;
			rc = hp_mep_bt21_parse(d, n, &c->regs, &err);
			c->have_regs = rc == 0;
			break;
		case HP_MEP_JOB_BT23:
			rc = hp_mep_bt23_apply(&c->regs, d, n, &c->cycle, &err);
			c->cycle_step = 3;
			break;
		case HP_MEP_JOB_BT28:
			rc = hp_mep_bt28_apply(&c->regs, d, n, &c->cycle, &err);
			if (rc < 0 && err.code == HP_ERR_UNSUPPORTED)
				c->diag = HP_MEP_DIAG_UNSUPPORTED;
			finish_cycle(c, out);
			break;
		case HP_MEP_JOB_ET11:
			if (n >= 1)
				c->alert_entry = d[0];
			rc = n >= 1 ? 0 : -1;
			break;
		case HP_MEP_JOB_ET13:
			break; /* alert flags: read, not acted on */
		case HP_MEP_JOB_ET50:
			if (n >= 1)
				c->mep_flags = d[0];
			rc = n >= 1 ? 0 : -1;
			break;
		case HP_MEP_JOB_EP39:
			break;
		case HP_MEP_JOB_RESULT:
			if (n >= 4)
				c->stats.last_procedure_result = d[3];
			break;
		default:
			break;
		}
		if (rc < 0 && err.code == HP_ERR_NONE)
			hp_error_set(&err, HP_ERR_MALFORMED, "MEP %s data too short",
				     job_names[c->job]);
	}
	if (rc < 0) {
		if (!out->has_error) {
			out->has_error = true;
			out->error = err;
		}
		if (c->job == HP_MEP_JOB_BT28)
			c->retry_at[HP_MEP_JOB_BT28] = now + REFUSED_RETRY_MS;
		else if (c->job != HP_MEP_JOB_BT52)
			job_failed(c, now);
		if (c->job == HP_MEP_JOB_BT21)
			c->retry_at[HP_MEP_JOB_BT21] = now + REFUSED_RETRY_MS;
	} else if (c->job >= HP_MEP_JOB_ET11) {
		c->handshake = c->job == HP_MEP_JOB_RESULT ? 0 : c->handshake + 1;
	}
}

static void handle_response(struct hp_mep_client *c, uint64_t now, const uint8_t *frame, size_t len,
			    struct hp_mep_output *out)
{
	if (c->phase != PH_WAIT) {
		/* Nothing asked: a late answer to a request already given up. */
		c->stats.unsolicited++;
		return;
	}
	struct hp_mep_response r;
	struct hp_error err = {0};
	c->stats.responses++;
	c->timeouts_in_row = 0;
	if (hp_mep_response_parse(frame, len, &r, &err) < 0) {
		out->has_error = true;
		out->error = err;
		job_failed(c, now);
		go_idle(c, now, out);
		return;
	}
	c->stats.last_code = r.code;
	if (r.code == HP_MEP_ERR_SEQUENCE) {
		c->stats.resyncs++;
		if (++c->resyncs_in_row > MAX_RESYNCS) {
			c->diag = HP_MEP_DIAG_SEQUENCE_CHURN;
			emit_error(
			    c, out, HP_ERR_AUTH,
			    "MEP sequence number rejected (0C) 6 times in a row: backing off");
			back_off(c, now);
			return;
		}
		/* The same APDU, the meter's SEQ, a fresh digest: at once. */
		c->seq = r.expected_seq;
		send_frame(c, now, out);
		return;
	}
	c->resyncs_in_row = 0;
	if (r.code == HP_MEP_ERR_AUTH) {
		c->stats.auth_failures++;
		c->diag = HP_MEP_DIAG_AUTH;
		out->has_error = true;
		hp_error_set(&out->error, HP_ERR_AUTH,
			     "MEP %s: authentication failure (0B), wrong MBK? retry in %u s",
			     job_names[c->job], c->backoff_ms / 1000);
		back_off(c, now);
		return;
	}
	if (r.code == HP_MEP_ERR_NOT_POSSIBLE && c->job == HP_MEP_JOB_EP39 &&
	    c->ss_retries < MAX_SS_RETRIES) {
		/* A bad procedure sequence: the next SS, a new SEQ, resend. */
		c->ss_retries++;
		c->ss = c->ss >= 9 ? 5 : (uint8_t)(c->ss + 1);
		c->apdu_len = build_apdu(c, c->job, c->apdu, sizeof(c->apdu));
		send_frame(c, now, out);
		return;
	}
	c->backoff_ms = BACKOFF_FIRST_MS;
	if (c->diag == HP_MEP_DIAG_AUTH || c->diag == HP_MEP_DIAG_SEQUENCE_CHURN ||
	    c->diag == HP_MEP_DIAG_NO_ANSWER)
		c->diag = HP_MEP_DIAG_STARTING;
	if (c->job == HP_MEP_JOB_EP39) {
		/* Every call takes the next procedure sequence, answered or not. */
		c->ss = c->ss >= 9 ? 5 : (uint8_t)(c->ss + 1);
		c->ss_retries = 0;
	}
	if (r.code == HP_MEP_OK)
		got_data(c, now, &r, out);
	else
		refused(c, now, r.code, out);
	go_idle(c, now, out);
}

size_t hp_mep_client_input(struct hp_mep_client *c, uint64_t now, const uint8_t *p, size_t n,
			   struct hp_mep_output *out)
{
	hp_mep_output_clear(out);
	if (n > 0)
		c->last_rx = now;
	if (c->phase == PH_ENABLE_LOW || c->phase == PH_ENABLE_SETTLE)
		return n; /* before the flush: whatever came is stale */
	for (size_t i = 0; i < n; i++) {
		const uint8_t *frame;
		size_t len;
		enum hp_mep_frame_kind k = hp_mep_framer_byte(&c->framer, p[i], &frame, &len);
		if (k == HP_MEP_FRAME_ALERT) {
			c->stats.alerts++;
			/* Alerts during the handshake are ignored. */
			if (c->handshake == 0)
				c->alert_pending = true;
			pump(c, now, out);
			return i + 1;
		}
		if (k == HP_MEP_FRAME_RESPONSE) {
			handle_response(c, now, frame, len, out);
			return i + 1;
		}
	}
	return n;
}

void hp_mep_client_tick(struct hp_mep_client *c, uint64_t now, struct hp_mep_output *out)
{
	hp_mep_output_clear(out);
	if (c->phase != PH_WAIT && hp_mep_framer_partial(&c->framer) &&
	    now >= c->last_rx + IDLE_PARTIAL_MS)
		hp_mep_framer_reset(&c->framer);
	switch (c->phase) {
	case PH_ENABLE_LOW:
		if (now >= c->phase_until) {
			out->enable = 1;
			c->phase = PH_ENABLE_SETTLE;
			c->phase_until = now + START_SETTLE_MS;
		}
		break;
	case PH_ENABLE_SETTLE:
		if (now >= c->phase_until) {
			out->flush_input = true;
			hp_mep_framer_reset(&c->framer);
			go_idle(c, now, out);
		}
		break;
	case PH_WAIT:
		if (now < c->phase_until)
			break;
		c->stats.timeouts++;
		c->stale = true;
		if (++c->timeouts_in_row >= 2)
			c->diag = HP_MEP_DIAG_NO_ANSWER;
		hp_mep_framer_reset(&c->framer);
		if (c->attempts >= MAX_ATTEMPTS) {
			c->stats.port_resets++;
			out->reopen = true;
			out->has_error = true;
			hp_error_set(&out->error, HP_ERR_NOISE,
				     "MEP: no answer to %u attempts, reopening the port",
				     c->attempts);
			restart(c, now, out);
			break;
		}
		out->enable = 0;
		c->stats.enable_toggles++;
		c->phase = PH_TOGGLE_LOW;
		c->phase_until = now + TOGGLE_LOW_MS;
		break;
	case PH_TOGGLE_LOW:
		if (now >= c->phase_until) {
			out->enable = 1;
			c->phase = PH_TOGGLE_SETTLE;
			c->phase_until = now + TOGGLE_SETTLE_MS;
		}
		break;
	case PH_TOGGLE_SETTLE:
		if (now >= c->phase_until) {
			/* The old bytes again (old SEQ): the 0C that follows resyncs. */
			out->flush_input = true;
			hp_mep_framer_reset(&c->framer);
			memcpy(out->tx, c->frame, c->frame_len);
			out->tx_len = c->frame_len;
			c->phase = PH_WAIT;
			c->phase_until = now + c->cfg.reply_timeout_ms;
			c->last_send = now;
			c->attempts++;
			c->stats.requests++;
		}
		break;
	case PH_BACKOFF:
		if (now >= c->phase_until) {
			/* The same request kind again, framed afresh. */
			c->phase = PH_IDLE;
			c->attempts = 0;
			start_job(c, c->job, now, out);
		}
		break;
	default:
		pump(c, now, out);
		break;
	}
}

uint64_t hp_mep_client_deadline(const struct hp_mep_client *c, uint64_t now)
{
	uint64_t d;
	if (c->phase == PH_IDLE) {
		/* Whatever was due has been sent: wake for the next cycle or the end of a
		 * refusal's wait, whichever comes first. */
		d = UINT64_MAX;
		if (c->have_regs) {
			d = c->next_cycle;
			if (d < c->last_send + c->cfg.min_gap_ms)
				d = c->last_send + c->cfg.min_gap_ms;
		}
		for (int j = 0; j < HP_MEP_JOB_COUNT; j++)
			if (c->retry_at[j] > now && c->retry_at[j] < d)
				d = c->retry_at[j];
	} else {
		d = c->phase_until;
	}
	if (hp_mep_framer_partial(&c->framer) && c->phase != PH_WAIT &&
	    c->last_rx + IDLE_PARTIAL_MS < d)
		d = c->last_rx + IDLE_PARTIAL_MS;
	return d;
}
