/* Noise classification (protocols-dsmr-serial.md "Diagnostics: what the bytes say").
 * The frames are the worked examples of protocols.md (a), (b) and the DSMR example of
 * protocols-dsmr-serial.md (h); the noise is made here. */
#include "check.h"
#include "hanp1d/decode.h"
#include "noise.h"

static const uint8_t hdlc_example[] = {
    0x7E, 0xA0, 0x27, 0x01, 0x02, 0x01, 0x10, 0x5A, 0x87, 0xE6, 0xE7, 0x00, 0x0F, 0x40,
    0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF,
    0x80, 0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x6E, 0x28, 0x7E,
};

static const uint8_t mbus_example[] = {
    0x68, 0x1F, 0x1F, 0x68, 0x53, 0xFF, 0x10, 0x01, 0x67, 0x0F, 0x40, 0x00, 0x00,
    0x00, 0x09, 0x0C, 0x07, 0xE9, 0x01, 0x0F, 0x03, 0x0C, 0x00, 0x00, 0xFF, 0x80,
    0x00, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x04, 0xD2, 0x9B, 0x16,
};

static const char dsmr_example[] = "/XYZ5TESTMETER\r\n"
				   "\r\n"
				   "1-3:0.2.8(50)\r\n"
				   "0-0:1.0.0(250115120000W)\r\n"
				   "1-0:1.8.1(000123.456*kWh)\r\n"
				   "1-0:1.7.0(01.234*kW)\r\n"
				   "!58E8\r\n";

#define BUF_MAX 10000

/* A fixed pseudo-random sequence (LCG), so the test is the same every run. */
static uint8_t next_random(uint32_t *state)
{
	*state = *state * 1103515245u + 12345u;
	return (uint8_t)(*state >> 16);
}

static size_t invert(uint8_t *out, size_t at, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[at + i] = (uint8_t)~p[i];
	return at + n;
}

/* Sets bit 7 where the 7E1 parity bit of the character is 1 (even parity). */
static uint8_t with_even_parity(uint8_t c)
{
	unsigned ones = 0;
	for (unsigned b = c; b; b >>= 1)
		ones += b & 1;
	return (uint8_t)(c | ((ones & 1) ? 0x80 : 0));
}

static enum hp_noise_class classify(const uint8_t *b, size_t n, char *detail)
{
	return hp_noise_classify(b, n, detail, HP_DETAIL_MAX);
}

static void test_inverted(void)
{
	static uint8_t b[BUF_MAX];
	char d[HP_DETAIL_MAX];
	/* Two inverted HDLC frames after some idle-level bytes. */
	size_t n = 0;
	b[n++] = 0x00;
	b[n++] = 0xFF;
	n = invert(b, n, hdlc_example, sizeof(hdlc_example));
	n = invert(b, n, hdlc_example, sizeof(hdlc_example));
	CHECK_INT(classify(b, n, d), HP_NOISE_INVERTED);
	CHECK(strstr(d, "inverted signal") != NULL);
	CHECK(strstr(d, "(84 bytes, ") != NULL);

	n = invert(b, 0, mbus_example, sizeof(mbus_example));
	CHECK_INT(classify(b, n, d), HP_NOISE_INVERTED);

	n = invert(b, 0, (const uint8_t *)dsmr_example, strlen(dsmr_example));
	CHECK_INT(classify(b, n, d), HP_NOISE_INVERTED);

	/* The frame not inverted is no inverted signal. */
	CHECK(classify(hdlc_example, sizeof(hdlc_example), d) != HP_NOISE_INVERTED);
}

static void test_7e1(void)
{
	static uint8_t b[BUF_MAX];
	char d[HP_DETAIL_MAX];
	size_t n = strlen(dsmr_example);
	for (size_t i = 0; i < n; i++)
		b[i] = with_even_parity((uint8_t)dsmr_example[i]);
	/* protocols-dsmr-serial.md: "/KFM5" -> AF 4B C6 4D 35. */
	CHECK_INT(with_even_parity('/'), 0xAF);
	CHECK_INT(with_even_parity('F'), 0xC6);
	CHECK_INT(classify(b, n, d), HP_NOISE_7E1);
	CHECK(strstr(d, "7E1 line read as 8N1") != NULL);

	/* Cut before the '!': still text with bit 7 on about half the characters. */
	CHECK_INT(classify(b, n - 8, d), HP_NOISE_7E1);
}

static void test_statistics(void)
{
	static uint8_t b[BUF_MAX];
	char d[HP_DETAIL_MAX];
	uint32_t seed = 1;

	for (size_t i = 0; i < 200; i++)
		b[i] = next_random(&seed);
	CHECK_INT(classify(b, 200, d), HP_NOISE_RANDOM);
	CHECK(strncmp(d, "random bytes: wrong baud rate or noise (200 bytes, ", 51) == 0);

	/* Mostly 00/FF with some random bytes (a line much slower than set). */
	for (size_t i = 0; i < 200; i++)
		b[i] = i % 3 == 0 ? next_random(&seed) : (i % 2 ? 0xFF : 0x00);
	CHECK_INT(classify(b, 200, d), HP_NOISE_ZERO_FF);
	CHECK(strstr(d, "mostly 00/FF") != NULL);

	static const uint8_t slow[] = {0x00, 0x80, 0x78, 0xF8, 0xF0};
	for (size_t i = 0; i < 100; i++)
		b[i] = slow[i % 5];
	CHECK_INT(classify(b, 100, d), HP_NOISE_SLOW4X);

	static const uint8_t spikes[] = {0xFF, 0xFE, 0xF0};
	CHECK_INT(classify(spikes, sizeof(spikes), d), HP_NOISE_SPIKES);

	for (size_t i = 0; i < 300; i++)
		b[i] = (uint8_t)(0x80 | next_random(&seed));
	CHECK_INT(classify(b, 300, d), HP_NOISE_HIGH);

	static const char text[] = "hello\r\nthis is no telegram\r\n1-0:1.8.1(000123.456*kWh)\r\n";
	CHECK_INT(classify((const uint8_t *)text, strlen(text), d), HP_NOISE_TEXT);

	CHECK_INT(classify(b, 0, d), HP_NOISE_NONE);
}

static void test_bounds(void)
{
	static uint8_t b[BUF_MAX];
	char d[HP_DETAIL_MAX];
	uint32_t seed = 7;
	for (size_t i = 0; i < BUF_MAX; i++)
		b[i] = next_random(&seed);
	/* Only the first HP_NOISE_SAMPLE bytes are looked at. */
	CHECK_INT(classify(b, BUF_MAX, d), HP_NOISE_RANDOM);
	CHECK(strstr(d, "(4096 bytes, ") != NULL);

	/* The detail is cut to the size given, NUL-terminated. */
	char small[12];
	memset(small, 'x', sizeof(small));
	hp_noise_classify(b, 200, small, sizeof(small));
	CHECK_INT(strlen(small), sizeof(small) - 1);
	hp_noise_classify(b, 200, small, 0);
	CHECK_INT(small[0], 'r');
}

int main(void)
{
	test_inverted();
	test_7e1();
	test_statistics();
	test_bounds();
	return check_report("noise");
}
