/* The decoder: stream -> APDU layer -> reading, glued together.
 *
 * The stream finds link-layer frames; telegrams go straight to the DSMR decoder,
 * APDUs through the APDU layer (GBT, ciphering, data-notification). Each frame
 * becomes exactly one event: a reading or a typed error. */
#include <stdlib.h>
#include <string.h>

#include "hanp1d/decode.h"
#include "apdu.h"
#include "dsmr.h"
#include "stream.h"

struct hp_decoder {
	struct hp_decoder_config cfg;
	struct hp_decoder_stats stats;
	struct hp_stream stream;
	struct hp_apdu_state apdu;
	/* Scratch for the event being emitted: too large for the stack of a small
	 * thread, and only one frame is decoded at a time. */
	struct hp_reading reading;
	struct hp_error error;
};

static void emit_reading(struct hp_decoder *d, const struct hp_link_frame *f)
{
	hp_reading_finish(&d->reading);
	d->stats.readings++;
	if (d->reading.encrypted && !d->reading.authenticated)
		d->stats.unauthenticated++;
	struct hp_event ev = {.reading = &d->reading, .raw = f->raw, .raw_len = f->raw_len};
	d->cfg.on_event(d->cfg.ctx, &ev);
}

static void emit_error(struct hp_decoder *d, const struct hp_error *e, const uint8_t *raw,
		       size_t raw_len)
{
	d->stats.errors[e->code]++;
	hp_tracef(d->cfg.trace, 0, "=> error %s: %s", hp_error_name(e->code), e->detail);
	struct hp_event ev = {.error = e, .raw = raw, .raw_len = raw_len};
	d->cfg.on_event(d->cfg.ctx, &ev);
}

static void on_ciphered_telegram(struct hp_decoder *d, const struct hp_link_frame *f)
{
	if (hp_apdu_process_ciphered_p1(&d->apdu, &d->cfg.keys, f->data, f->len, &d->reading,
					&d->error, &d->stats, d->cfg.trace) == HP_APDU_READING)
		emit_reading(d, f);
	else
		emit_error(d, &d->error, f->raw, f->raw_len);
}

static void on_telegram(struct hp_decoder *d, const struct hp_link_frame *f)
{
	size_t bin_len;
	memset(&d->error, 0, sizeof(d->error));
	if (hp_dsmr_ciphered_body(f->data, f->len, &bin_len) != 0) {
		on_ciphered_telegram(d, f);
		return;
	}
	hp_reading_init(&d->reading, HP_PROTO_DSMR, f->framing);
	if (hp_dsmr_decode(f->data, f->len, &d->reading, &d->error, d->cfg.trace) == 0)
		emit_reading(d, f);
	else
		emit_error(d, &d->error, f->raw, f->raw_len);
}

static void on_apdu(struct hp_decoder *d, const struct hp_link_frame *f)
{
	memset(&d->error, 0, sizeof(d->error));
	switch (hp_apdu_process(&d->apdu, &d->cfg.keys, f->framing, f->data, f->len, &d->reading,
				&d->error, &d->stats, d->cfg.trace)) {
	case HP_APDU_READING:
		emit_reading(d, f);
		break;
	case HP_APDU_ERROR:
		emit_error(d, &d->error, f->raw, f->raw_len);
		break;
	case HP_APDU_PENDING:
	case HP_APDU_IGNORED:
		break;
	}
}

static void on_link_frame(void *ctx, const struct hp_link_frame *f)
{
	struct hp_decoder *d = ctx;
	switch (f->kind) {
	case HP_LINK_TELEGRAM:
		on_telegram(d, f);
		break;
	case HP_LINK_APDU:
		on_apdu(d, f);
		break;
	case HP_LINK_ERROR:
		emit_error(d, &f->error, f->raw, f->raw_len);
		break;
	}
}

struct hp_decoder *hp_decoder_new(const struct hp_decoder_config *cfg)
{
	struct hp_decoder *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	if (hp_apdu_init(&d->apdu) != 0) {
		free(d);
		return NULL;
	}
	hp_stream_init(&d->stream, on_link_frame, d, &d->stats, d->cfg.trace);
	return d;
}

void hp_decoder_free(struct hp_decoder *d)
{
	if (d == NULL)
		return;
	hp_apdu_free(&d->apdu);
	free(d);
}

void hp_decoder_set_keys(struct hp_decoder *d, const struct hp_keys *keys)
{
	d->cfg.keys = *keys;
}

void hp_decoder_feed(struct hp_decoder *d, const uint8_t *data, size_t len, uint64_t now_ms)
{
	hp_stream_feed(&d->stream, data, len, now_ms);
}

void hp_decoder_finish(struct hp_decoder *d)
{
	uint64_t cut_before = d->stats.errors[HP_ERR_TRUNCATED];
	hp_stream_finish(&d->stream);
	memset(&d->error, 0, sizeof(d->error));
	/* A GBT message whose last link frame was cut is one message cut: the stream
	 * has reported it already. */
	bool link_cut = d->stats.errors[HP_ERR_TRUNCATED] > cut_before;
	if (hp_apdu_finish(&d->apdu, &d->error) && !link_cut)
		emit_error(d, &d->error, NULL, 0);
}

const struct hp_decoder_stats *hp_decoder_stats(const struct hp_decoder *d)
{
	return &d->stats;
}
