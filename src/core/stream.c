/* The stream: frames in a byte stream fed in chunks of any size (stream.h).
 *
 * Input is copied into a bounded window. At the first unconsumed byte a table picks
 * the one probe that byte can start (HDLC 7E, M-Bus 68, DSMR '/', bare DB / E6 / 0F);
 * any other byte is garbage, skipped a run at a time. A probe that wants more bytes
 * says how many when it knows, and is not asked again before they are there, so
 * input fed byte by byte is not probed again and again. HDLC and M-Bus segments are
 * joined into one APDU here; the APDU layer does the rest. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bare.h"
#include "dsmr.h"
#include "hdlc.h"
#include "mbus.h"
#include "noise.h"
#include "stream.h"

enum start_class {
	START_NONE,
	START_HDLC,
	START_MBUS,
	START_DSMR,
	START_GGC, /* the bare probes come last: they can be switched off (quiet_until) */
	START_LLC,
	START_APDU,
};

/* What each first byte can start: one lookup per position. */
static const uint8_t start_class[256] = {
    [HP_HDLC_FLAG] = START_HDLC, [HP_MBUS_START] = START_MBUS, ['/'] = START_DSMR,
    [0xDB] = START_GGC,          [0xE6] = START_LLC,           [0x0F] = START_APDU,
};

static const hp_probe_fn probes[] = {
    [START_HDLC] = hp_hdlc_probe,    [START_MBUS] = hp_mbus_probe,
    [START_DSMR] = hp_dsmr_probe,    [START_GGC] = hp_bare_ggc_probe,
    [START_LLC] = hp_bare_llc_probe, [START_APDU] = hp_bare_apdu_probe,
};

static const char *const class_names[] = {
    [START_NONE] = "garbage",
    [START_HDLC] = "HDLC frame",
    [START_MBUS] = "M-Bus frame",
    [START_DSMR] = "DSMR telegram",
    [START_GGC] = "bare general-glo-ciphering APDU",
    [START_LLC] = "LLC + bare APDU",
    [START_APDU] = "bare data-notification",
};

static const enum hp_framing class_framing[] = {
    [START_NONE] = HP_FRAMING_RAW, [START_HDLC] = HP_FRAMING_HDLC, [START_MBUS] = HP_FRAMING_MBUS,
    [START_DSMR] = HP_FRAMING_P1,  [START_GGC] = HP_FRAMING_RAW,   [START_LLC] = HP_FRAMING_RAW,
    [START_APDU] = HP_FRAMING_RAW,
};

/* Room for "01 02 03 04" and similar short hex dumps in trace lines. */
#define HEX_TEXT_MAX (3 * 8 + 1)

static bool tracing(const struct hp_stream *s)
{
	return s->trace != NULL && s->trace->line != NULL;
}

static void hex_text(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 3 < HEX_TEXT_MAX; i++) {
		if (i > 0)
			out[o++] = ' ';
		out[o++] = digits[p[i] >> 4];
		out[o++] = digits[p[i] & 15];
	}
	out[o] = '\0';
}

static unsigned long long offset_at(const struct hp_stream *s, size_t index)
{
	return (unsigned long long)(s->base + index);
}

/* ---- delivery ---- */

static void deliver(struct hp_stream *s, const struct hp_link_frame *f)
{
	if (s->fn != NULL)
		s->fn(s->ctx, f);
}

static void emit_apdu(struct hp_stream *s, enum hp_link_kind kind, enum hp_framing framing,
		      const uint8_t *data, size_t len, const uint8_t *raw, size_t raw_len)
{
	struct hp_link_frame f = {
	    .kind = kind,
	    .framing = framing,
	    .data = data,
	    .len = len,
	    .raw = raw,
	    .raw_len = raw_len,
	};
	deliver(s, &f);
}

static void emit_error(struct hp_stream *s, enum hp_framing framing, const struct hp_error *e,
		       const uint8_t *raw, size_t raw_len)
{
	struct hp_link_frame f = {
	    .kind = HP_LINK_ERROR,
	    .framing = framing,
	    .raw = raw,
	    .raw_len = raw_len,
	    .error = *e,
	};
	s->found = true;
	deliver(s, &f); /* the decoder traces the error it emits */
}

__attribute__((format(printf, 5, 6))) static void emit_truncated(struct hp_stream *s,
								 enum hp_framing framing,
								 const uint8_t *raw, size_t raw_len,
								 const char *fmt, ...)
{
	struct hp_error e = {.code = HP_ERR_TRUNCATED};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.detail, sizeof(e.detail), fmt, ap);
	va_end(ap);
	emit_error(s, framing, &e, raw, raw_len);
}

/* ---- consuming the window ---- */

static void clear_wait(struct hp_stream *s)
{
	s->need = 0;
	s->marked = 0;
	s->bang = false;
	s->inner = 0;
}

static void flush_junk(struct hp_stream *s)
{
	if (s->junk_run == 0)
		return;
	hp_tracef(s->trace, 0, "@%llu garbage: %llu bytes skipped", (unsigned long long)s->junk_at,
		  (unsigned long long)s->junk_run);
	s->junk_run = 0;
}

static void consume(struct hp_stream *s, size_t n)
{
	s->head += n;
	clear_wait(s);
}

/* n bytes at head are garbage: counted, sampled for the noise diagnosis, traced once
 * per run. The closing flag of the last HDLC frame, left in case it opens the next
 * one, belongs to that frame and is no garbage. */
static void skip(struct hp_stream *s, size_t n)
{
	size_t from = s->head;
	if (s->base + from == s->flag_at)
		from++;
	size_t junk = s->head + n - from;
	if (junk > 0) {
		if (s->junk_run == 0)
			s->junk_at = s->base + from;
		s->junk_run += junk;
		s->stats->garbage_bytes += junk;
	}
	if (junk > 0 && !s->found && s->sample_len < HP_NOISE_SAMPLE) {
		size_t k = HP_NOISE_SAMPLE - s->sample_len;
		if (k > junk)
			k = junk;
		memcpy(s->sample + s->sample_len, s->win + from, k);
		s->sample_len += k;
	}
	consume(s, n);
}

/* Consumes an HDLC frame but its closing flag, which may open the next frame. */
static void consume_hdlc(struct hp_stream *s, size_t len)
{
	s->flag_at = s->base + s->head + len - 1;
	consume(s, len - 1);
}

/* Skips the run of bytes at head that cannot start any frame. */
static void skip_run(struct hp_stream *s)
{
	size_t i = s->head + 1;
	while (i < s->tail && start_class[s->win[i]] == START_NONE)
		i++;
	skip(s, i - s->head);
}

/* ---- segment joining ---- */

static enum hp_framing join_framing(const struct hp_stream *s)
{
	return s->join == HP_JOIN_HDLC ? HP_FRAMING_HDLC : HP_FRAMING_MBUS;
}

/* Gives up the message being joined: `truncated`, detail "segment gap (why)". */
static void abandon(struct hp_stream *s, const char *why)
{
	if (s->join == HP_JOIN_HDLC || s->join == HP_JOIN_MBUS)
		emit_truncated(s, join_framing(s), NULL, 0, "segment gap (%s, %zu bytes joined)",
			       why, s->msg_len);
	s->join = HP_JOIN_NONE;
	s->msg_len = 0;
}

/* Appends to the joined message. A message that outgrows HP_APDU_MAX is reported
 * `truncated` ("segment gap"): no meter sends one that large, so its last segment was
 * lost and the segments of later messages were being joined to it. */
static bool append(struct hp_stream *s, const uint8_t *p, size_t n, const uint8_t *raw,
		   size_t raw_len)
{
	if (n > HP_APDU_MAX - s->msg_len) {
		enum hp_framing framing = join_framing(s);
		s->join = HP_JOIN_NONE;
		emit_truncated(s, framing, raw, raw_len,
			       "segment gap (joined message over %d bytes: last segment lost?)",
			       HP_APDU_MAX);
		s->msg_len = 0;
		return false;
	}
	memcpy(s->msg + s->msg_len, p, n);
	s->msg_len += n;
	return true;
}

/* Any frame or error other than the next segment ends the message being joined. */
static void interrupt(struct hp_stream *s, enum hp_stream_join keep, const char *by)
{
	if (s->join == HP_JOIN_NONE || s->join == keep ||
	    (keep == HP_JOIN_MBUS && s->join == HP_JOIN_MBUS_DISCARD))
		return;
	abandon(s, by);
}

static void check_gap(struct hp_stream *s, uint64_t now_ms)
{
	if (s->join == HP_JOIN_NONE || now_ms == 0 || s->rx_ms == 0 || now_ms <= s->rx_ms ||
	    now_ms - s->rx_ms <= HP_SEGMENT_TIMEOUT_MS)
		return;
	char why[64];
	snprintf(why, sizeof(why), "no bytes for %llu ms", (unsigned long long)(now_ms - s->rx_ms));
	abandon(s, why);
}

/* ---- HDLC ---- */

static void trace_hdlc(const struct hp_stream *s, size_t at, const uint8_t *f, size_t len,
		       const struct hp_hdlc_header *h)
{
	if (!tracing(s))
		return;
	char dst[HEX_TEXT_MAX], src[HEX_TEXT_MAX];
	hex_text(dst, h->dst, h->dst_len);
	hex_text(src, h->src, h->src_len);
	hp_tracef(s->trace, 0,
		  "@%llu HDLC frame, %zu bytes: format %02X %02X (S=%d, L=%u), dst %s, src %s, "
		  "control %02X, %s, information %zu bytes",
		  offset_at(s, at), len, f[1], f[2], h->segmented, h->length, dst, src, h->control,
		  h->has_info ? "HCS ok, FCS ok" : "FCS ok", h->info_len);
}

static void on_hdlc(struct hp_stream *s, size_t at, const uint8_t *f, size_t len)
{
	struct hp_hdlc_header h;
	if (!hp_hdlc_header(f, len, &h))
		return;
	trace_hdlc(s, at, f, len, &h);
	interrupt(s, HP_JOIN_HDLC, "interrupted by an HDLC frame");
	const uint8_t *info = f + h.info_off;
	size_t n = h.info_len;
	if (s->join == HP_JOIN_HDLC) {
		/* A continuation: LLC-looking bytes here are payload. */
		if (!append(s, info, n, f, len))
			return;
		hp_tracef(s->trace, 0, "HDLC segment joined: %zu bytes so far", s->msg_len);
		if (!h.segmented) {
			s->join = HP_JOIN_NONE;
			emit_apdu(s, HP_LINK_APDU, HP_FRAMING_HDLC, s->msg, s->msg_len, f, len);
		}
		return;
	}
	if (hp_llc_present(info, n)) {
		info += HP_LLC_LEN;
		n -= HP_LLC_LEN;
	}
	if (h.segmented) {
		s->join = HP_JOIN_HDLC;
		s->msg_len = 0;
		append(s, info, n, f, len);
		hp_tracef(s->trace, 0, "HDLC first segment: %zu bytes", n);
	} else if (n > 0) {
		emit_apdu(s, HP_LINK_APDU, HP_FRAMING_HDLC, info, n, f, len);
	}
}

/* ---- M-Bus ---- */

static void trace_mbus(const struct hp_stream *s, size_t at, size_t len,
		       const struct hp_mbus_header *h)
{
	hp_tracef(s->trace, 0,
		  "@%llu M-Bus frame, %zu bytes: L=%zu%s, C %02X, A %02X, CI %02X (segment %u%s), "
		  "STSAP %02X, DTSAP %02X, data %zu bytes, CS ok",
		  offset_at(s, at), len, h->user_len, h->wrapped ? " (length wrap)" : "", h->c,
		  h->a, h->ci, h->ci & HP_MBUS_CI_SEGMENT, (h->ci & HP_MBUS_CI_FIN) ? ", last" : "",
		  h->stsap, h->dtsap, h->data_len);
}

/* A segment that does not follow: report the gap, drop the message. */
static void mbus_gap(struct hp_stream *s, unsigned seg, bool fin, const uint8_t *f, size_t len)
{
	if (s->join == HP_JOIN_MBUS_DISCARD) {
		/* The message already failed its checksum and was reported `crc`: drop the
		 * rest of it quietly. */
		if (fin)
			s->join = HP_JOIN_NONE;
		return;
	}
	if (s->join == HP_JOIN_MBUS)
		emit_truncated(s, HP_FRAMING_MBUS, f, len, "segment gap (segment %u after %u)", seg,
			       (unsigned)s->next_segment - 1);
	else
		emit_truncated(s, HP_FRAMING_MBUS, f, len, "segment gap (segment %u without 0)",
			       seg);
	s->join = HP_JOIN_NONE;
	s->msg_len = 0;
}

static void on_mbus(struct hp_stream *s, size_t at, const uint8_t *f, size_t len)
{
	struct hp_mbus_header h;
	if (!hp_mbus_header(f, len, &h))
		return;
	trace_mbus(s, at, len, &h);
	if (h.ci & HP_MBUS_CI_TYPE_MASK) {
		hp_tracef(s->trace, 0, "CI %02X: not the DLMS wrapper, ignored", h.ci);
		return;
	}
	interrupt(s, HP_JOIN_MBUS, "interrupted by an M-Bus frame");
	const uint8_t *data = f + h.data_off;
	unsigned seg = h.ci & HP_MBUS_CI_SEGMENT;
	bool fin = (h.ci & HP_MBUS_CI_FIN) != 0;
	if (seg == 0) {
		abandon(s, "new segment 0 before the last segment");
		if (fin) {
			emit_apdu(s, HP_LINK_APDU, HP_FRAMING_MBUS, data, h.data_len, f, len);
			return;
		}
		s->join = HP_JOIN_MBUS;
		s->msg_len = 0;
	} else if (s->join != HP_JOIN_MBUS || seg != s->next_segment) {
		mbus_gap(s, seg, fin, f, len);
		return;
	}
	if (!append(s, data, h.data_len, f, len))
		return;
	s->next_segment = (uint8_t)(seg + 1);
	hp_tracef(s->trace, 0, "M-Bus segment %u joined: %zu bytes so far", seg, s->msg_len);
	if (fin) {
		s->join = HP_JOIN_NONE;
		emit_apdu(s, HP_LINK_APDU, HP_FRAMING_MBUS, s->msg, s->msg_len, f, len);
	}
}

/* ---- probe outcomes ---- */

static void on_frame(struct hp_stream *s, enum start_class c, size_t len)
{
	size_t at = s->head;
	const uint8_t *f = s->win + at;
	flush_junk(s);
	s->found = true;
	s->stats->frames++;
	s->quiet_until = 0;
	switch (c) {
	case START_HDLC:
		on_hdlc(s, at, f, len);
		break;
	case START_MBUS:
		on_mbus(s, at, f, len);
		break;
	case START_DSMR:
		hp_tracef(s->trace, 0, "@%llu DSMR telegram, %zu bytes", offset_at(s, at), len);
		interrupt(s, HP_JOIN_NONE, "interrupted by a DSMR telegram");
		emit_apdu(s, HP_LINK_TELEGRAM, HP_FRAMING_P1, f, len, f, len);
		break;
	default: {
		size_t skip_llc = c == START_LLC ? HP_LLC_LEN : 0;
		hp_tracef(s->trace, 0, "@%llu %s, %zu bytes", offset_at(s, at), class_names[c],
			  len);
		interrupt(s, HP_JOIN_NONE, "interrupted by a bare APDU");
		emit_apdu(s, HP_LINK_APDU, HP_FRAMING_RAW, f + skip_llc, len - skip_llc, f, len);
		break;
	}
	}
	if (c == START_HDLC)
		consume_hdlc(s, len);
	else
		consume(s, len);
}

static void on_bad(struct hp_stream *s, enum start_class c, const struct hp_probe_result *res)
{
	const uint8_t *f = s->win + s->head;
	flush_junk(s);
	hp_tracef(s->trace, 0, "@%llu %s, %zu bytes: check failed", offset_at(s, s->head),
		  class_names[c], res->len);
	enum hp_framing framing = class_framing[c];
	if (c == START_MBUS) {
		/* protocols.md (b): discard the partial message and report `crc` alone; the
		 * segments that follow the damaged one belong to a lost message too. */
		interrupt(s, HP_JOIN_MBUS, "interrupted by a damaged M-Bus frame");
		s->join = HP_JOIN_MBUS_DISCARD;
		s->msg_len = 0;
	} else {
		/* protocols.md (a): an error resets the HDLC message, reported truncated. */
		interrupt(s, HP_JOIN_NONE,
			  c == START_HDLC ? "damaged HDLC frame"
					  : "interrupted by a damaged telegram");
	}
	if (res->error.code == HP_ERR_NONE) {
		struct hp_error e;
		hp_error_set(&e, HP_ERR_CRC, "%s check failed", class_names[c]);
		emit_error(s, framing, &e, f, res->len);
	} else {
		emit_error(s, framing, &res->error, f, res->len);
	}
	s->quiet_until = 0;
	if (c == START_HDLC)
		consume_hdlc(s, res->len);
	else
		consume(s, res->len);
}

static void on_no(struct hp_stream *s, enum start_class c, const struct hp_probe_result *res)
{
	if (c == START_HDLC && res->len > 0) {
		uint64_t end = s->base + s->head + res->len;
		if (end > s->quiet_until)
			s->quiet_until = end;
	}
	skip(s, 1);
}

static void probe_at(const struct hp_stream *s, enum start_class c, size_t at, bool at_eof,
		     struct hp_probe_result *res)
{
	res->status = HP_PROBE_NO;
	res->len = 0;
	res->error.code = HP_ERR_NONE;
	if (c >= START_GGC && s->base + at < s->quiet_until)
		return;
	size_t avail = s->tail - at;
	probes[c](s->win + at, avail, at_eof, res);
	/* Never trust a length beyond the bytes given. */
	if ((res->status == HP_PROBE_FRAME || res->status == HP_PROBE_BAD) &&
	    (res->len == 0 || res->len > avail))
		res->status = HP_PROBE_NO;
}

/* At the end of input: does a good HDLC, M-Bus or DSMR frame start after head? Then the candidate at head was no frame cut off by the end, but
 * garbage. A bare APDU does not count: the inside of the cut frame may be one. */
static bool frame_follows(const struct hp_stream *s)
{
	for (size_t i = s->head + 1; i < s->tail; i++) {
		enum start_class c = start_class[s->win[i]];
		if (c == START_NONE || c >= START_GGC)
			continue;
		struct hp_probe_result res;
		probe_at(s, c, i, true, &res);
		/* Only a good frame: a damaged one can be chance bytes inside the cut
		 * frame (a 7E A? and a 7E in ciphertext). */
		if (res.status == HP_PROBE_FRAME)
			return true;
	}
	return false;
}

/* Whether a complete, good HDLC frame lies inside the span of the HDLC candidate at
 * head (span bytes from its opening flag). Then the candidate is no frame, whatever
 * its own end says: it is a frame that lost bytes or a 7E A? in noise, and waiting
 * for its declared length would hold back the frame that is already there. The inner
 * frame must fit in the span, so the answer does not depend on how many bytes beyond
 * it have arrived. Positions before s->inner were already found to hold no frame. */
static bool inner_frame(struct hp_stream *s, size_t span, size_t *at)
{
	size_t end = s->tail - s->head < span ? s->tail : s->head + span;
	size_t i = s->head + (s->inner > 0 ? s->inner : 1);
	size_t again = 0; /* first inner candidate that wants more bytes */
	while (i < end) {
		const uint8_t *q = memchr(s->win + i, HP_HDLC_FLAG, end - i);
		if (q == NULL)
			break;
		i = (size_t)(q - s->win);
		struct hp_probe_result r;
		hp_hdlc_probe(q, end - i, false, &r);
		if (r.status == HP_PROBE_FRAME) {
			*at = i;
			return true;
		}
		if (r.status == HP_PROBE_MORE && again == 0)
			again = i;
		i++;
	}
	s->inner = (again > 0 ? again : end) - s->head;
	return false;
}

/* Drops the HDLC or bare candidate at head when a frame lies inside it
 * (inner_frame): its bytes are garbage. A bare candidate has no check of its own,
 * so a chance DB 08 ... in line noise would otherwise swallow the good frame after
 * it. As after a NO with a good header (on_no), the bare probes stay off up to
 * that frame when an HDLC candidate's HCS was good. */
static bool drop_outer(struct hp_stream *s, enum start_class c, const struct hp_probe_result *res)
{
	size_t at;
	if ((c != START_HDLC && c < START_GGC) || res->status == HP_PROBE_NO ||
	    !inner_frame(s, res->len, &at))
		return false;
	if (hp_hdlc_header_ok(s->win + s->head, s->tail - s->head))
		s->quiet_until = s->base + at;
	skip(s, 1);
	return true;
}

/* The input ended inside a candidate. It is a frame cut off when its header checked
 * out (DSMR: its header line is complete) and no frame starts after it. */
static void on_cut(struct hp_stream *s, enum start_class c, const struct hp_probe_result *res)
{
	const uint8_t *p = s->win + s->head;
	size_t avail = s->tail - s->head;
	bool plausible =
	    c == START_DSMR ? memchr(p, '\n', avail) != NULL : res->error.code == HP_ERR_TRUNCATED;
	/* Inside a ciphering envelope whose header checked out (SC 10 carries its APDU
	 * or telegram in clear) any frame found is its own payload, not a next frame. */
	if (!plausible || (c != START_GGC && frame_follows(s))) {
		skip(s, 1);
		return;
	}
	flush_junk(s);
	enum hp_stream_join same = c == START_HDLC   ? HP_JOIN_HDLC
				   : c == START_MBUS ? HP_JOIN_MBUS
						     : HP_JOIN_NONE;
	if (s->join == same) {
		/* The cut frame was the message's next segment: one error for both. */
		s->join = HP_JOIN_NONE;
		s->msg_len = 0;
	}
	interrupt(s, HP_JOIN_NONE, "input ended");
	if (res->len > avail)
		emit_truncated(s, class_framing[c], p, avail, "%s cut off: %zu of %zu bytes",
			       class_names[c], avail, res->len);
	else
		emit_truncated(s, class_framing[c], p, avail, "%s cut off after %zu bytes",
			       class_names[c], avail);
	consume(s, avail);
}

/* ---- waiting for bytes ---- */

/* DSMR: a probe again is worth it once a '!' arrives, and after one, a line end or
 * the start of the next telegram. */
static bool dsmr_trigger(struct hp_stream *s, size_t avail)
{
	const uint8_t *p = s->win + s->head;
	size_t from = s->marked;
	s->marked = avail;
	for (size_t i = from; i < avail; i++) {
		if (p[i] == '!')
			s->bang = true;
		if (s->bang && (p[i] == '!' || p[i] == '\n' || p[i] == '/'))
			return true;
	}
	return false;
}

static bool wait_over(struct hp_stream *s, size_t avail)
{
	if (s->need == 0 || avail >= s->need)
		return true;
	size_t at;
	switch (start_class[s->win[s->head]]) {
	case START_DSMR:
		return dsmr_trigger(s, avail);
	case START_HDLC:
	case START_GGC:
	case START_LLC:
	case START_APDU:
		return inner_frame(s, s->need, &at);
	default:
		return false;
	}
}

/* Remembers how many bytes the candidate needs before it is probed again. */
static void wait_set(struct hp_stream *s, enum start_class c, size_t avail,
		     const struct hp_probe_result *res)
{
	if (res->len > avail) {
		s->need = res->len;
		return;
	}
	if (c != START_DSMR) {
		s->need = avail + 1;
		return;
	}
	/* Without a length: probe again when the bytes double (so a telegram costs a few
	 * probes whatever the chunking) or on a trigger byte. */
	if (!s->bang)
		s->bang = memchr(s->win + s->head + s->marked, '!', avail - s->marked) != NULL;
	s->marked = avail;
	s->need = avail < HP_SCAN_MAX / 2 ? 2 * avail : HP_SCAN_MAX;
}

/* ---- the scan ---- */

static void scan(struct hp_stream *s, bool at_eof)
{
	while (s->head < s->tail) {
		size_t avail = s->tail - s->head;
		enum start_class c = start_class[s->win[s->head]];
		if (c == START_NONE) {
			skip_run(s);
			continue;
		}
		bool full = avail >= HP_SCAN_MAX;
		if (!at_eof && !full && !wait_over(s, avail))
			return;
		struct hp_probe_result res;
		probe_at(s, c, s->head, at_eof, &res);
		if (drop_outer(s, c, &res))
			continue;
		switch (res.status) {
		case HP_PROBE_FRAME:
			on_frame(s, c, res.len);
			break;
		case HP_PROBE_BAD:
			on_bad(s, c, &res);
			break;
		case HP_PROBE_NO:
			on_no(s, c, &res);
			break;
		case HP_PROBE_MORE:
			if (at_eof) {
				on_cut(s, c, &res);
			} else if (full) {
				/* Longer than any frame the window holds: give it up. */
				skip(s, 1);
			} else {
				wait_set(s, c, avail, &res);
				return;
			}
			break;
		}
	}
}

/* Makes room at the end of the window: moves the unconsumed bytes to the front only
 * when the window is full, so each byte moves rarely. */
static void make_room(struct hp_stream *s)
{
	if (s->head == s->tail) {
		s->base += s->head;
		s->head = s->tail = 0;
	} else if (s->tail == HP_SCAN_MAX) {
		size_t n = s->tail - s->head;
		memmove(s->win, s->win + s->head, n);
		s->base += s->head;
		s->head = 0;
		s->tail = n;
	}
}

/* ---- API ---- */

void hp_stream_init(struct hp_stream *s, hp_link_fn fn, void *ctx, struct hp_decoder_stats *stats,
		    const struct hp_trace *trace)
{
	memset(s, 0, offsetof(struct hp_stream, msg));
	s->fn = fn;
	s->ctx = ctx;
	s->flag_at = UINT64_MAX;
	s->stats = stats != NULL ? stats : &s->own_stats;
	s->trace = trace;
}

void hp_stream_feed(struct hp_stream *s, const uint8_t *p, size_t n, uint64_t now_ms)
{
	s->now_ms = now_ms;
	check_gap(s, now_ms);
	if (n == 0)
		return;
	s->rx_ms = now_ms;
	s->stats->bytes += n;
	s->input_bytes += n;
	s->any_bytes = true;
	while (n > 0) {
		make_room(s);
		size_t k = HP_SCAN_MAX - s->tail;
		if (k > n)
			k = n;
		if (k == 0) {
			/* Not reached: scan never leaves a full window waiting. */
			skip(s, 1);
			continue;
		}
		memcpy(s->win + s->tail, p, k);
		s->tail += k;
		p += k;
		n -= k;
		scan(s, false);
	}
}

static void report_noise(struct hp_stream *s)
{
	struct hp_error e = {.code = HP_ERR_NOISE};
	hp_noise_classify(s->sample, s->sample_len, e.detail, sizeof(e.detail));
	if (s->input_bytes > s->sample_len) {
		size_t used = strlen(e.detail);
		snprintf(e.detail + used, sizeof(e.detail) - used, "; %llu bytes in all",
			 (unsigned long long)s->input_bytes);
	}
	emit_error(s, HP_FRAMING_RAW, &e, s->sample, s->sample_len);
}

void hp_stream_finish(struct hp_stream *s)
{
	scan(s, true);
	flush_junk(s);
	abandon(s, "input ended before the last segment");
	if (!s->found && s->any_bytes)
		report_noise(s);
	/* Ready for another input; the statistics go on. */
	s->base += s->tail;
	s->head = s->tail = 0;
	clear_wait(s);
	s->quiet_until = 0;
	s->found = false;
	s->any_bytes = false;
	s->sample_len = 0;
	s->input_bytes = 0;
	s->rx_ms = 0;
}
