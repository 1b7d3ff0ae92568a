/* general-glo-ciphering: envelope parsing and AES-GCM / AES-CTR / GMAC opening
 * (protocols.md (d)). */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "axdr.h"
#include "cipher.h"
#include "wire.h"

/* IV = system title (8) || invocation counter (4). */
#define GCM_IV_LEN 12
/* AES-CTR counter block: the GCM IV followed by the 32-bit block counter. */
#define CTR_BLOCK_LEN 16
/* AAD head: SC (1) || AK (16). */
#define AAD_HEAD_LEN (1 + HP_KEY_LEN)

/* Security control bits (protocols.md (d)). */
#define SC_COMPRESSED    0x80
#define SC_ENCRYPTED     0x20
#define SC_AUTHENTICATED 0x10
#define SC_SUITE_MASK    0x0F
/* Suites 0 and 1 are AES-GCM-128; 2 is AES-256 and needs 32-byte keys. */
#define SC_SUITE_MAX 1

/* One OpenSSL context and the key it was last initialised with: re-running the AES
 * key schedule and the GHASH table setup on every frame would cost more than
 * decrypting a typical push. */
struct keyed_ctx {
	EVP_CIPHER_CTX *ctx;
	uint8_t key[HP_KEY_LEN];
	bool keyed;
};

/* GCM and CTR each keep their own context so that a meter mixing SC 30 frames with
 * the CTR fallback does not re-key every frame. */
struct hp_cipher {
	EVP_CIPHER *gcm;
	EVP_CIPHER *ctr;
	struct keyed_ctx gcm_ctx;
	struct keyed_ctx ctr_ctx;
};

struct hp_cipher *hp_cipher_new(void)
{
	return OPENSSL_zalloc(sizeof(struct hp_cipher));
}

/* The algorithms and contexts are fetched at the first ciphered frame, not when
 * the decoder is made: loading them maps some 2 MB of the crypto library, which a
 * meter that sends in clear never needs. */
static bool loaded(struct hp_cipher *c)
{
	if (c->gcm_ctx.ctx != NULL)
		return true;
	if (c->gcm == NULL)
		c->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	if (c->ctr == NULL)
		c->ctr = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
	if (c->gcm == NULL || c->ctr == NULL)
		return false;
	if (c->ctr_ctx.ctx == NULL)
		c->ctr_ctx.ctx = EVP_CIPHER_CTX_new();
	if (c->ctr_ctx.ctx == NULL)
		return false;
	c->gcm_ctx.ctx = EVP_CIPHER_CTX_new(); /* last: it marks the set complete */
	return c->gcm_ctx.ctx != NULL;
}

void hp_cipher_free(struct hp_cipher *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->gcm_ctx.ctx);
	EVP_CIPHER_CTX_free(c->ctr_ctx.ctx);
	EVP_CIPHER_free(c->gcm);
	EVP_CIPHER_free(c->ctr);
	OPENSSL_clear_free(c, sizeof(*c)); /* the cached keys */
}

/* --- text helpers ------------------------------------------------------------ */

static const char hex_digits[] = "0123456789ABCDEF";

static bool is_upper_letter(uint8_t b)
{
	return b >= 'A' && b <= 'Z';
}

size_t hp_title_text(const uint8_t title[HP_SYSTEM_TITLE_LEN], char out[HP_TITLE_TEXT_MAX])
{
	size_t n = 0, i = 0;
	if (is_upper_letter(title[0]) && is_upper_letter(title[1]) && is_upper_letter(title[2])) {
		for (; i < 3; i++)
			out[n++] = (char)title[i];
	}
	for (; i < HP_SYSTEM_TITLE_LEN; i++) {
		out[n++] = hex_digits[title[i] >> 4];
		out[n++] = hex_digits[title[i] & 0x0F];
	}
	out[n] = '\0';
	return n;
}

bool hp_plain_plausible(const uint8_t *p, size_t n)
{
	return n > 0 && (p[0] == 0x0F || p[0] == '/');
}

/* --- envelope parsing -------------------------------------------------------- */

/* LEN cut short is truncation; 80 or 85..FF is not a length at all. */
static void length_error(enum hp_axdr_status st, const uint8_t *p, struct hp_error *err)
{
	if (st == HP_AXDR_SHORT)
		hp_error_set(err, HP_ERR_TRUNCATED, "general-glo-ciphering: cut inside LEN");
	else
		hp_error_set(err, HP_ERR_MALFORMED, "general-glo-ciphering: bad LEN byte %02X",
			     p[0]);
}

int hp_ggc_parse_body(const uint8_t *p, size_t n, struct hp_ggc *g, struct hp_error *err)
{
	memset(g, 0, sizeof(*g));
	if (n < 1) {
		hp_error_set(err, HP_ERR_TRUNCATED, "general-glo-ciphering: cut before the title");
		return -1;
	}
	size_t tl = p[0];
	if (tl != 0 && tl != HP_SYSTEM_TITLE_LEN) {
		hp_error_set(err, HP_ERR_MALFORMED,
			     "general-glo-ciphering: system title length %zu (expected 8)", tl);
		return -1;
	}
	if (n < 1 + tl) {
		hp_error_set(err, HP_ERR_TRUNCATED, "general-glo-ciphering: cut inside the title");
		return -1;
	}
	g->has_title = tl != 0;
	memcpy(g->title, p + 1, tl);
	size_t pos = 1 + tl;
	uint32_t len;
	size_t used;
	enum hp_axdr_status st = hp_axdr_length(p + pos, n - pos, &len, &used);
	if (st != HP_AXDR_OK) {
		length_error(st, p + pos, err);
		return -1;
	}
	pos += used;
	if (len > n - pos) {
		hp_error_set(err, HP_ERR_TRUNCATED,
			     "general-glo-ciphering: LEN %lu but %zu bytes follow",
			     (unsigned long)len, n - pos);
		return -1;
	}
	if (len < HP_GGC_HEADER_LEN + 1) {
		hp_error_set(err, HP_ERR_MALFORMED,
			     "general-glo-ciphering: LEN %lu leaves no payload",
			     (unsigned long)len);
		return -1;
	}
	g->sc = p[pos];
	g->ic = hp_be32(p + pos + 1);
	size_t tag_len = (g->sc & SC_AUTHENTICATED) ? HP_GGC_TAG_LEN : 0;
	if (len < HP_GGC_HEADER_LEN + tag_len + 1) {
		hp_error_set(err, HP_ERR_MALFORMED,
			     "general-glo-ciphering: LEN %lu leaves no payload before the tag",
			     (unsigned long)len);
		return -1;
	}
	g->payload = p + pos + HP_GGC_HEADER_LEN;
	g->payload_len = (size_t)len - HP_GGC_HEADER_LEN - tag_len;
	g->tag = tag_len ? g->payload + g->payload_len : NULL;
	g->frame_len = pos + (size_t)len;
	return 0;
}

int hp_ggc_parse(const uint8_t *p, size_t n, struct hp_ggc *g, struct hp_error *err)
{
	if (n < 1 || p[0] != HP_GGC_TAG) {
		hp_error_set(err, HP_ERR_MALFORMED, "not a general-glo-ciphering APDU");
		return -1;
	}
	if (hp_ggc_parse_body(p + 1, n - 1, g, err) != 0)
		return -1;
	g->frame_len += 1;
	return 0;
}

/* --- AES primitives ---------------------------------------------------------- */

/* Initialises kc with key unless it already holds it; after this only IVs change. */
static bool use_key(struct keyed_ctx *kc, const EVP_CIPHER *alg, const uint8_t *key)
{
	if (kc->keyed && memcmp(kc->key, key, HP_KEY_LEN) == 0)
		return true;
	kc->keyed = false;
	if (EVP_DecryptInit_ex2(kc->ctx, alg, key, NULL, NULL) != 1)
		return false;
	memcpy(kc->key, key, HP_KEY_LEN);
	kc->keyed = true;
	return true;
}

/* One GCM check: key, AAD = SC || aad_key || aad_tail, ciphertext in[0..n) (empty
 * for GMAC) into out. */
struct gcm_job {
	const uint8_t *key;
	const uint8_t *iv;
	uint8_t sc;
	const uint8_t *aad_key;
	const uint8_t *aad_tail;
	size_t aad_tail_len;
	const uint8_t *in;
	size_t n;
	uint8_t *out;
	const uint8_t *tag;
};

/* Returns 1 when the tag matches, 0 when not, -1 on a library error. */
static int gcm_run(struct hp_cipher *c, const struct gcm_job *j)
{
	if (!loaded(c))
		return -1;
	struct keyed_ctx *kc = &c->gcm_ctx;
	EVP_CIPHER_CTX *ctx = kc->ctx;
	uint8_t head[AAD_HEAD_LEN];
	uint8_t tag[HP_GGC_TAG_LEN];  /* the ctrl wants a mutable buffer */
	uint8_t final[CTR_BLOCK_LEN]; /* GCM's final writes nothing; give it somewhere anyway */
	int outl;

	head[0] = j->sc;
	memcpy(head + 1, j->aad_key, HP_KEY_LEN);
	memcpy(tag, j->tag, sizeof(tag));
	if (!use_key(kc, c->gcm, j->key) ||
	    EVP_DecryptInit_ex2(ctx, NULL, NULL, j->iv, NULL) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, head, sizeof(head)) != 1)
		goto fail;
	if (j->aad_tail_len > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &outl, j->aad_tail, (int)j->aad_tail_len) != 1)
		goto fail;
	if (j->n > 0 && EVP_DecryptUpdate(ctx, j->out, &outl, j->in, (int)j->n) != 1)
		goto fail;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, HP_GGC_TAG_LEN, tag) != 1)
		goto fail;
	return EVP_DecryptFinal_ex(ctx, final, &outl) > 0 ? 1 : 0;
fail:
	kc->keyed = false; /* start over with a fresh init next time */
	return -1;
}

/* AES-CTR from IV || 00 00 00 02: the GCM keystream, without the tag. */
static bool ctr_run(struct hp_cipher *c, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
		    size_t n, uint8_t *out)
{
	if (!loaded(c))
		return false;
	struct keyed_ctx *kc = &c->ctr_ctx;
	uint8_t block[CTR_BLOCK_LEN];
	int outl;

	memcpy(block, iv, GCM_IV_LEN);
	hp_put_be32(block + GCM_IV_LEN, 2);
	if (!use_key(kc, c->ctr, key) ||
	    EVP_DecryptInit_ex2(kc->ctx, NULL, NULL, block, NULL) != 1 ||
	    EVP_DecryptUpdate(kc->ctx, out, &outl, in, (int)n) != 1) {
		kc->keyed = false;
		return false;
	}
	return true;
}

/* --- opening by security control --------------------------------------------- */

/* Everything one frame's opening needs, passed to the per-SC handlers. */
struct open_job {
	struct hp_cipher *c;
	const struct hp_keys *keys;
	const struct hp_ggc *g;
	uint8_t iv[GCM_IV_LEN];
	char title_text[HP_TITLE_TEXT_MAX];
	uint8_t *out;
	struct hp_opened *o;
	struct hp_error *err;
	const struct hp_trace *trace;
};

static void library_error(struct open_job *j)
{
	hp_error_set(j->err, HP_ERR_AUTH,
		     "general-glo-ciphering from %s, IC %u: crypto library error", j->title_text,
		     (unsigned)j->g->ic);
}

/* The title for the IV: the frame's, or the configured one for a title-less frame
 * (Elgama P1). Called by the handlers that need an IV. */
static int prepare_iv(struct open_job *j)
{
	if (!j->o->has_title) {
		hp_error_set(j->err, HP_ERR_NO_KEY,
			     "encrypted frame with an empty system title (IC %u, SC %02X): "
			     "configure the meter's system title (from its label) to open it",
			     (unsigned)j->g->ic, j->g->sc);
		return -1;
	}
	memcpy(j->iv, j->o->title, HP_SYSTEM_TITLE_LEN);
	hp_put_be32(j->iv + HP_SYSTEM_TITLE_LEN, j->g->ic);
	return 0;
}

static void pick_title(struct open_job *j)
{
	const uint8_t *t = NULL;
	if (j->g->has_title)
		t = j->g->title;
	else if (j->keys->has_system_title)
		t = j->keys->system_title;
	if (t == NULL) {
		memcpy(j->title_text, "(empty)", sizeof("(empty)"));
		return;
	}
	memcpy(j->o->title, t, HP_SYSTEM_TITLE_LEN);
	j->o->has_title = true;
	hp_title_text(t, j->title_text);
}

static int need_ek(struct open_job *j)
{
	if (j->keys->has_ek)
		return 0;
	hp_error_set(j->err, HP_ERR_NO_KEY,
		     "encrypted frame from system title %s, IC %u (SC %02X): no encryption key "
		     "configured",
		     j->title_text, (unsigned)j->g->ic, j->g->sc);
	return -1;
}

/* Reports a tag mismatch with its probable cause (the user's question is "wrong key,
 * swapped keys or corrupt bytes?"). */
static void tag_failed(struct open_job *j, const char *what, const char *cause)
{
	hp_tracef(j->trace, 1, "tag: MISMATCH; %s", cause);
	hp_error_set(j->err, HP_ERR_AUTH, "%s tag mismatch (system title %s, IC %u): %s", what,
		     j->title_text, (unsigned)j->g->ic, cause);
}

static bool keys_differ(const struct hp_keys *k)
{
	return memcmp(k->ek, k->ak, HP_KEY_LEN) != 0;
}

/* SC 30 with both keys failed: try the keys swapped, then see whether the EK alone
 * gives a plausible plaintext. */
static const char *diagnose_gcm(struct open_job *j, const struct gcm_job *failed)
{
	struct gcm_job swapped = *failed;
	swapped.key = j->keys->ak;
	swapped.aad_key = j->keys->ek;
	if (keys_differ(j->keys) && gcm_run(j->c, &swapped) == 1)
		return "the encryption and authentication keys are swapped";
	if (ctr_run(j->c, j->keys->ek, j->iv, j->g->payload, j->g->payload_len, j->out) &&
	    hp_plain_plausible(j->out, j->g->payload_len))
		return "the encryption key is right but the authentication key is wrong "
		       "(or the frame is corrupted)";
	return "wrong encryption key (or corrupted bytes)";
}

/* SC 10: the APDU is sent in clear; GMAC over SC || AK || APDU with the EK. */
static const char *diagnose_gmac(struct open_job *j, const struct gcm_job *failed)
{
	struct gcm_job swapped = *failed;
	swapped.key = j->keys->ak;
	swapped.aad_key = j->keys->ek;
	if (keys_differ(j->keys) && gcm_run(j->c, &swapped) == 1)
		return "the encryption and authentication keys are swapped";
	return "wrong authentication or encryption key (or corrupted bytes)";
}

static int open_plain(struct open_job *j)
{
	j->o->plain = j->g->payload;
	j->o->plain_len = j->g->payload_len;
	return 0;
}

static int open_gmac(struct open_job *j)
{
	/* The APDU is readable, but the frame counts as encrypted (reading-model.md):
	 * with no key at all it is `no_key`, like every other ciphered frame. */
	if (!j->keys->has_ek && !j->keys->has_ak) {
		hp_error_set(j->err, HP_ERR_NO_KEY,
			     "authenticated frame from system title %s, IC %u (SC %02X): no key "
			     "configured",
			     j->title_text, (unsigned)j->g->ic, j->g->sc);
		return -1;
	}
	open_plain(j);
	if (!j->keys->has_ek || !j->keys->has_ak) {
		hp_tracef(j->trace, 1, "tag: not checked (%s key not configured)",
			  j->keys->has_ek ? "authentication" : "encryption");
		return 0;
	}
	if (prepare_iv(j) != 0)
		return -1;
	struct gcm_job gj = {
	    .key = j->keys->ek,
	    .iv = j->iv,
	    .sc = j->g->sc,
	    .aad_key = j->keys->ak,
	    .aad_tail = j->g->payload,
	    .aad_tail_len = j->g->payload_len,
	    .tag = j->g->tag,
	};
	int rc = gcm_run(j->c, &gj);
	if (rc < 0) {
		library_error(j);
		return -1;
	}
	if (rc == 0) {
		tag_failed(j, "GMAC", diagnose_gmac(j, &gj));
		return -1;
	}
	hp_tracef(j->trace, 1, "tag: verified (GMAC)");
	j->o->tag_verified = true;
	return 0;
}

static int open_ctr(struct open_job *j)
{
	if (need_ek(j) != 0 || prepare_iv(j) != 0)
		return -1;
	if (!ctr_run(j->c, j->keys->ek, j->iv, j->g->payload, j->g->payload_len, j->out)) {
		library_error(j);
		return -1;
	}
	j->o->plain = j->out;
	j->o->plain_len = j->g->payload_len;
	j->o->deciphered = true;
	if (j->g->tag != NULL)
		hp_tracef(j->trace, 1, "tag: not checked (authentication key not configured)");
	return 0;
}

static int open_gcm(struct open_job *j)
{
	if (need_ek(j) != 0)
		return -1;
	if (!j->keys->has_ak)
		return open_ctr(j);
	if (prepare_iv(j) != 0)
		return -1;
	struct gcm_job gj = {
	    .key = j->keys->ek,
	    .iv = j->iv,
	    .sc = j->g->sc,
	    .aad_key = j->keys->ak,
	    .in = j->g->payload,
	    .n = j->g->payload_len,
	    .out = j->out,
	    .tag = j->g->tag,
	};
	int rc = gcm_run(j->c, &gj);
	if (rc < 0) {
		library_error(j);
		return -1;
	}
	if (rc == 0) {
		tag_failed(j, "GCM", diagnose_gcm(j, &gj));
		return -1;
	}
	hp_tracef(j->trace, 1, "tag: verified (GCM)");
	j->o->plain = j->out;
	j->o->plain_len = j->g->payload_len;
	j->o->deciphered = true;
	j->o->tag_verified = true;
	return 0;
}

/* The rows of protocols.md (d), indexed by the E and A bits (SC bits 5..4). */
struct sc_row {
	const char *meaning;
	int (*open)(struct open_job *j);
};

static const struct sc_row sc_rows[4] = {
    [0] = {"no protection", open_plain},
    [SC_AUTHENTICATED >> 4] = {"authentication only (GMAC)", open_gmac},
    [SC_ENCRYPTED >> 4] = {"encryption only (AES-CTR, no tag)", open_ctr},
    [(SC_ENCRYPTED | SC_AUTHENTICATED) >> 4] = {"authenticated encryption (AES-GCM)", open_gcm},
};

static int check_sc(const struct hp_ggc *g, size_t out_size, struct hp_error *err)
{
	if (g->sc & SC_COMPRESSED) {
		hp_error_set(err, HP_ERR_UNSUPPORTED,
			     "compressed general-glo-ciphering (SC %02X) is not supported", g->sc);
		return -1;
	}
	if ((g->sc & SC_SUITE_MASK) > SC_SUITE_MAX) {
		hp_error_set(err, HP_ERR_UNSUPPORTED,
			     "security suite %u (SC %02X) is not supported: only AES-128-GCM",
			     g->sc & SC_SUITE_MASK, g->sc);
		return -1;
	}
	if (g->payload_len > out_size || g->payload_len > INT_MAX) {
		hp_error_set(err, HP_ERR_UNSUPPORTED,
			     "general-glo-ciphering payload of %zu bytes exceeds %zu",
			     g->payload_len, out_size);
		return -1;
	}
	return 0;
}

int hp_cipher_open(struct hp_cipher *c, const struct hp_keys *keys, const struct hp_ggc *g,
		   uint8_t *out, size_t out_size, struct hp_opened *o, struct hp_error *err,
		   const struct hp_trace *trace)
{
	struct open_job j = {
	    .c = c, .keys = keys, .g = g, .out = out, .o = o, .err = err, .trace = trace};
	const struct sc_row *row = &sc_rows[(g->sc >> 4) & 3];

	memset(o, 0, sizeof(*o));
	o->tag_present = g->tag != NULL;
	hp_tracef(trace, 1, "security control %02X: %s, suite %u, key set %s", g->sc, row->meaning,
		  g->sc & SC_SUITE_MASK, (g->sc & 0x40) ? "broadcast" : "unicast");
	if (check_sc(g, out_size, err) != 0)
		return -1;
	pick_title(&j);
	return row->open(&j);
}
