/* The APDU layer: unwraps general block transfer and general-glo-ciphering until a
 * data-notification or a DSMR telegram is reached (protocols.md (c), (d), layer
 * stack), then hands it to its decoder. */
#include <string.h>

#include "apdu.h"
#include "cipher.h"
#include "dlms.h"
#include "dsmr.h"
#include "gbt.h"

/* Layers an APDU can be wrapped in; each may be removed once per message, which
 * bounds the unwrapping (at most E0 -> DB -> 0F) and keeps a layer from decoding
 * into the buffer it reads from. */
#define LAYER_GBT 1u
#define LAYER_GGC 2u

/* Plaintext bytes shown by the trace. */
#define TRACE_PLAIN_BYTES 16
/* Each shown byte takes "XX " in the trace line. */
#define TRACE_HEX_MAX (TRACE_PLAIN_BYTES * 3 + 1)

/* Tag of a data-notification; '/' opens a DSMR telegram. */
#define TAG_NOTIFICATION 0x0F
#define TAG_TELEGRAM     '/'

/* One message on its way through the layers. */
struct apdu_job {
	struct hp_apdu_state *s;
	const struct hp_keys *keys;
	enum hp_framing framing;
	struct hp_reading *r;
	struct hp_error *err;
	struct hp_decoder_stats *stats;
	const struct hp_trace *trace;
	unsigned removed; /* LAYER_* bits already unwrapped */
	/* Set by the ciphering layer. */
	bool encrypted;
	bool tag_unchecked; /* a tag was sent but not verified (no AK or EK) */
	bool must_parse;    /* deciphered, no tag checked: only a parse tells the key was right */
	bool crc_unknown;   /* a rejoined P1 body: its CRC's coverage is not known */
	bool has_title;
	uint8_t title[HP_SYSTEM_TITLE_LEN];
	uint32_t ic;
};

static enum hp_apdu_result dispatch(struct apdu_job *j, const uint8_t *p, size_t n);

/* --- the ends of the chain -------------------------------------------------- */

static size_t title_text(const struct apdu_job *j, char out[HP_TITLE_TEXT_MAX])
{
	if (!j->has_title) {
		memcpy(out, "(empty)", sizeof("(empty)"));
		return 0;
	}
	return hp_title_text(j->title, out);
}

/* A deciphered payload that is no APDU: the key is wrong (or it is not the meter's). */
static enum hp_apdu_result not_plaintext(struct apdu_job *j)
{
	char title[HP_TITLE_TEXT_MAX];
	title_text(j, title);
	hp_error_set(j->err, HP_ERR_AUTH,
		     "decrypted but not a DLMS APDU or DSMR telegram: wrong key? (system title %s, "
		     "IC %u%s)",
		     title, (unsigned)j->ic, j->tag_unchecked ? ", tag not checked: no AK" : "");
	return HP_APDU_ERROR;
}

static void start_reading(struct apdu_job *j, enum hp_protocol protocol, enum hp_framing framing)
{
	hp_reading_init(j->r, protocol, framing);
	j->r->encrypted = j->encrypted;
	j->r->authenticated = !j->tag_unchecked;
}

/* The system title is the meter id of last resort (reading-model.md). */
static void offer_title(struct apdu_job *j)
{
	if (!j->has_title)
		return;
	char text[HP_TITLE_TEXT_MAX];
	size_t n = hp_title_text(j->title, text);
	hp_reading_offer_id(j->r, HP_ID_SYSTEM_TITLE, text, n);
}

static enum hp_apdu_result on_notification(struct apdu_job *j, const uint8_t *p, size_t n)
{
	hp_tracef(j->trace, 1, "APDU 0F data-notification, %zu bytes", n);
	start_reading(j, HP_PROTO_DLMS, j->framing);
	if (hp_dlms_decode_notification(p, n, j->r, j->err, j->trace) != 0) {
		if (j->must_parse) {
			/* Right key but a layout the decoder rejects, or random bytes? A
			 * complete A-XDR structure does not come out of a wrong key. */
			struct hp_probe_result res = {0};
			hp_dlms_probe_notification(p, n, true, &res);
			if (res.status != HP_PROBE_FRAME)
				return not_plaintext(j);
		}
		return HP_APDU_ERROR;
	}
	offer_title(j);
	return HP_APDU_READING;
}

static enum hp_apdu_result on_telegram(struct apdu_job *j, const uint8_t *p, size_t n)
{
	struct hp_probe_result res = {0};
	hp_tracef(j->trace, 1, "DSMR telegram, %zu bytes", n);
	hp_dsmr_probe(p, n, true, &res);
	if (res.status == HP_PROBE_BAD && j->crc_unknown)
		res.status = HP_PROBE_FRAME;
	if (res.status != HP_PROBE_FRAME) {
		if (j->must_parse)
			return not_plaintext(j);
		if (res.status == HP_PROBE_BAD)
			*j->err = res.error;
		else
			hp_error_set(j->err, HP_ERR_MALFORMED,
				     "deciphered DSMR telegram is incomplete");
		return HP_APDU_ERROR;
	}
	start_reading(j, HP_PROTO_DSMR, HP_FRAMING_P1);
	if (hp_dsmr_decode(p, res.len, j->r, j->err, j->trace) != 0)
		return HP_APDU_ERROR;
	offer_title(j);
	return HP_APDU_READING;
}

/* --- the wrapping layers --------------------------------------------------- */

static enum hp_apdu_result on_gbt(struct apdu_job *j, const uint8_t *p, size_t n)
{
	switch (hp_gbt_add(j->s, p, n, j->err, j->trace)) {
	case HP_GBT_PENDING:
		return HP_APDU_PENDING;
	case HP_GBT_ERROR:
		return HP_APDU_ERROR;
	case HP_GBT_COMPLETE:
		break;
	}
	j->removed |= LAYER_GBT;
	return dispatch(j, j->s->gbt, j->s->gbt_len);
}

static void record_stats(struct apdu_job *j, const struct hp_ggc *g)
{
	if (j->stats == NULL)
		return;
	j->stats->last_invocation_counter = g->ic;
	if (g->has_title) {
		memcpy(j->stats->last_system_title, g->title, HP_SYSTEM_TITLE_LEN);
		j->stats->has_system_title = true;
	}
}

static void trace_plain(const struct apdu_job *j, const struct hp_opened *o)
{
	if (j->trace == NULL || j->trace->line == NULL)
		return;
	static const char hex[] = "0123456789ABCDEF";
	char text[TRACE_HEX_MAX];
	size_t shown = o->plain_len < TRACE_PLAIN_BYTES ? o->plain_len : TRACE_PLAIN_BYTES;
	for (size_t i = 0; i < shown; i++) {
		text[i * 3] = hex[o->plain[i] >> 4];
		text[i * 3 + 1] = hex[o->plain[i] & 0x0F];
		text[i * 3 + 2] = ' ';
	}
	text[shown * 3] = '\0';
	hp_tracef(j->trace, 1, "plaintext (%zu bytes): %s%s", o->plain_len, text,
		  shown < o->plain_len ? "..." : "");
}

/* Opens a parsed envelope; the plaintext is in o. */
static int open_ggc(struct apdu_job *j, const struct hp_ggc *g, size_t n, struct hp_opened *o)
{
	char title[HP_TITLE_TEXT_MAX];
	record_stats(j, g);
	j->has_title = g->has_title;
	memcpy(j->title, g->title, HP_SYSTEM_TITLE_LEN);
	j->ic = g->ic;
	title_text(j, title);
	hp_tracef(j->trace, 1, "general-glo-ciphering: system title %s, IC %u, %zu payload bytes%s",
		  title, (unsigned)g->ic, g->payload_len, g->tag ? " + 12-byte tag" : "");
	if (g->frame_len < n)
		hp_tracef(j->trace, 1, "%zu bytes after the ciphered APDU ignored",
			  n - g->frame_len);
	if (hp_cipher_open(j->s->cipher, j->keys, g, j->s->plain, sizeof(j->s->plain), o, j->err,
			   j->trace) != 0)
		return -1;
	trace_plain(j, o);
	/* A configured title (title-less Elgama frames) names the meter as well. */
	j->has_title = o->has_title;
	memcpy(j->title, o->title, HP_SYSTEM_TITLE_LEN);
	j->encrypted = true;
	j->tag_unchecked = o->tag_present && !o->tag_verified;
	j->must_parse = o->deciphered && !o->tag_verified;
	j->removed |= LAYER_GGC;
	return 0;
}

static enum hp_apdu_result on_ggc(struct apdu_job *j, const uint8_t *p, size_t n)
{
	struct hp_ggc g;
	struct hp_opened o;
	hp_tracef(j->trace, 1, "APDU DB general-glo-ciphering");
	if (hp_ggc_parse(p, n, &g, j->err) != 0 || open_ggc(j, &g, n, &o) != 0)
		return HP_APDU_ERROR;
	return dispatch(j, o.plain, o.plain_len);
}

/* The plaintext of a ciphered P1 body as a whole telegram: as it is when it starts
 * with '/', else after the clear identification line, with a closing '!' added
 * when it has none. */
static size_t rejoin_telegram(struct apdu_job *j, const uint8_t *ident, size_t ident_len,
			      const struct hp_opened *o)
{
	uint8_t *t = j->s->telegram;
	static const char blank_line[] = "\r\n";
	static const char closing[] = "!\r\n";
	size_t need = ident_len + sizeof(blank_line) - 1 + o->plain_len + sizeof(closing) - 1;
	if (need > sizeof(j->s->telegram))
		return 0;
	memcpy(t, ident, ident_len);
	size_t n = ident_len;
	if (o->plain_len > 0 && o->plain[0] != '\r' && o->plain[0] != '\n') {
		memcpy(t + n, blank_line, sizeof(blank_line) - 1);
		n += sizeof(blank_line) - 1;
	}
	memcpy(t + n, o->plain, o->plain_len);
	n += o->plain_len;
	if (memchr(o->plain, '!', o->plain_len) == NULL) {
		memcpy(t + n, closing, sizeof(closing) - 1);
		n += sizeof(closing) - 1;
	}
	return n;
}

enum hp_apdu_result hp_apdu_process_ciphered_p1(struct hp_apdu_state *s, const struct hp_keys *keys,
						const uint8_t *telegram, size_t len,
						struct hp_reading *r, struct hp_error *err,
						struct hp_decoder_stats *stats,
						const struct hp_trace *trace)
{
	struct apdu_job j = {.s = s,
			     .keys = keys,
			     .framing = HP_FRAMING_P1,
			     .r = r,
			     .err = err,
			     .stats = stats,
			     .trace = trace};
	size_t bin_len = 0, bin = hp_dsmr_ciphered_body(telegram, len, &bin_len);
	struct hp_ggc g;
	struct hp_opened o;
	if (bin == 0) {
		hp_error_set(err, HP_ERR_MALFORMED, "no ciphered body in this telegram");
		return HP_APDU_ERROR;
	}
	hp_tracef(trace, 1, "DSMR telegram with a ciphered body (%zu bytes at offset %zu)", bin_len,
		  bin);
	if (hp_ggc_parse_body(telegram + bin, bin_len, &g, err) != 0 ||
	    open_ggc(&j, &g, bin_len, &o) != 0)
		return HP_APDU_ERROR;
	if (o.plain_len > 0 && o.plain[0] == TAG_TELEGRAM)
		return on_telegram(&j, o.plain, o.plain_len);
	const uint8_t *lf = memchr(telegram, '\n', len);
	size_t n = rejoin_telegram(&j, telegram, (size_t)(lf - telegram) + 1, &o);
	if (n == 0)
		return not_plaintext(&j);
	j.crc_unknown = true;
	return on_telegram(&j, j.s->telegram, n);
}

/* --- dispatch on the first byte ---------------------------------------------- */

struct apdu_kind {
	uint8_t tag;
	unsigned layer;      /* the LAYER_* this tag removes, 0 for an end of the chain */
	unsigned not_inside; /* layers it may not be found inside */
	const char *name;
	enum hp_apdu_result (*handle)(struct apdu_job *j, const uint8_t *p, size_t n);
};

/* GBT inside ciphering would carry a half-checked plaintext across frames: not seen,
 * not accepted. */
static const struct apdu_kind kinds[] = {
    {TAG_NOTIFICATION, 0, 0, "data-notification", on_notification},
    {HP_GGC_TAG, LAYER_GGC, LAYER_GGC, "general-glo-ciphering", on_ggc},
    {HP_GBT_TAG, LAYER_GBT, LAYER_GBT | LAYER_GGC, "general-block-transfer", on_gbt},
    {TAG_TELEGRAM, 0, 0, "DSMR telegram", on_telegram},
};

static const struct apdu_kind *find_kind(uint8_t tag)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].tag == tag)
			return &kinds[i];
	}
	return NULL;
}

/* APDUs of a polled meter (C4 get-response, 61 AARE, ...): no push data. */
static enum hp_apdu_result ignore(struct apdu_job *j, uint8_t tag)
{
	hp_tracef(j->trace, 1, "APDU %02X: not a data-notification, ignored", tag);
	if (j->stats != NULL)
		j->stats->ignored_apdus++;
	return HP_APDU_IGNORED;
}

static enum hp_apdu_result dispatch(struct apdu_job *j, const uint8_t *p, size_t n)
{
	if (n == 0) {
		if (j->must_parse)
			return not_plaintext(j);
		hp_error_set(j->err, HP_ERR_MALFORMED, "empty APDU");
		return HP_APDU_ERROR;
	}
	const struct apdu_kind *k = find_kind(p[0]);
	if (j->must_parse && (k == NULL || k->layer != 0))
		return not_plaintext(j);
	if (k == NULL)
		return ignore(j, p[0]);
	if (k->not_inside & j->removed) {
		hp_error_set(j->err, HP_ERR_UNSUPPORTED, "%s nested inside %s", k->name,
			     (j->removed & LAYER_GGC) ? "general-glo-ciphering"
						      : "general-block-transfer");
		return HP_APDU_ERROR;
	}
	return k->handle(j, p, n);
}

/* --- the public face ---------------------------------------------------------- */

int hp_apdu_init(struct hp_apdu_state *s)
{
	s->gbt_active = false;
	s->gbt_next = 0;
	s->gbt_len = 0;
	s->cipher = hp_cipher_new();
	return s->cipher != NULL ? 0 : -1;
}

void hp_apdu_free(struct hp_apdu_state *s)
{
	hp_cipher_free(s->cipher);
	s->cipher = NULL;
}

enum hp_apdu_result hp_apdu_process(struct hp_apdu_state *s, const struct hp_keys *keys,
				    enum hp_framing framing, const uint8_t *apdu, size_t len,
				    struct hp_reading *r, struct hp_error *err,
				    struct hp_decoder_stats *stats, const struct hp_trace *trace)
{
	struct apdu_job j = {
	    .s = s,
	    .keys = keys,
	    .framing = framing,
	    .r = r,
	    .err = err,
	    .stats = stats,
	    .trace = trace,
	};
	return dispatch(&j, apdu, len);
}

bool hp_apdu_finish(struct hp_apdu_state *s, struct hp_error *err)
{
	return hp_gbt_abandon(s, err);
}
