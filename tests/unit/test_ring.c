/* The SPSC ring: edge cases on one thread, then a producer and a consumer thread
 * passing a known byte sequence in random chunk sizes. */
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "ring.h"

static void fill(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static bool woken(const struct hp_ring *r)
{
	struct pollfd p = {.fd = r->wake_fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static void test_init(void)
{
	struct hp_ring r;
	CHECK_INT(hp_ring_init(&r, 1000), 0);
	CHECK_INT(r.cap, 1024);
	hp_ring_free(&r);
	CHECK_INT(hp_ring_init(&r, 64), 0);
	CHECK_INT(r.cap, 64);
	CHECK(!woken(&r));
	hp_ring_free(&r);
	CHECK_INT(hp_ring_init(&r, 0), -1);
}

static void test_empty_and_exact_fit(void)
{
	struct hp_ring r;
	uint8_t in[16], out[32];
	hp_ring_init(&r, 16);
	CHECK_INT(hp_ring_read(&r, out, sizeof(out)), 0);
	fill(in, 16, 1);
	CHECK_INT(hp_ring_write(&r, in, 16), 16);
	CHECK_INT(atomic_load(&r.dropped), 0);
	CHECK(woken(&r));
	hp_ring_drain_wake(&r);
	CHECK(!woken(&r));
	CHECK_INT(hp_ring_read(&r, out, sizeof(out)), 16);
	CHECK(memcmp(in, out, 16) == 0);
	CHECK_INT(hp_ring_read(&r, out, sizeof(out)), 0);
	/* An empty write changes nothing and wakes nobody. */
	CHECK_INT(hp_ring_write(&r, in, 0), 0);
	CHECK(!woken(&r));
	hp_ring_free(&r);
}

static void test_full_drops(void)
{
	struct hp_ring r;
	uint8_t in[40], out[40];
	hp_ring_init(&r, 16);
	fill(in, sizeof(in), 0);
	CHECK_INT(hp_ring_write(&r, in, 10), 10);
	CHECK_INT(hp_ring_write(&r, in + 10, 10), 6); /* 4 do not fit */
	CHECK_INT(atomic_load(&r.dropped), 4);
	CHECK_INT(hp_ring_write(&r, in + 20, 5), 0); /* full: all dropped */
	CHECK_INT(atomic_load(&r.dropped), 9);
	CHECK_INT(atomic_load(&r.written), 16);
	CHECK_INT(hp_ring_read(&r, out, sizeof(out)), 16);
	CHECK(memcmp(in, out, 16) == 0);
	hp_ring_free(&r);
}

static void test_wrap(void)
{
	struct hp_ring r;
	uint8_t in[16], out[16];
	hp_ring_init(&r, 16);
	/* Move the positions to 12, then write 10 bytes across the end. */
	fill(in, 12, 0);
	hp_ring_write(&r, in, 12);
	CHECK_INT(hp_ring_read(&r, out, 12), 12);
	fill(in, 10, 100);
	CHECK_INT(hp_ring_write(&r, in, 10), 10);
	/* A short read, then the rest: both halves of the wrap come out in order. */
	CHECK_INT(hp_ring_read(&r, out, 3), 3);
	CHECK_INT(out[0], 100);
	CHECK_INT(out[2], 102);
	CHECK_INT(hp_ring_read(&r, out + 3, 13), 7);
	CHECK(memcmp(in, out, 10) == 0);
	/* Fill exactly across the wrap. */
	fill(in, 16, 200);
	CHECK_INT(hp_ring_write(&r, in, 16), 16);
	CHECK_INT(hp_ring_read(&r, out, 16), 16);
	CHECK(memcmp(in, out, 16) == 0);
	CHECK_INT(atomic_load(&r.dropped), 0);
	hp_ring_free(&r);
}

/* ---- two threads ---- */

#define STRESS_BYTES (4u << 20)
#define STRESS_CHUNK 700

struct stress {
	struct hp_ring ring;
	uint64_t offered;
	uint64_t read;
	uint64_t out_of_order;
	_Atomic int done;
};

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The sequence is the byte's index mod 251 (a prime, so a wrong offset shows). The
 * producer offers random chunks; what the ring drops it offers again, so the
 * consumer must see the sequence without a gap, and the counters must add up:
 * offered = written + dropped, read = written. */
static void *producer(void *arg)
{
	struct stress *st = arg;
	uint8_t buf[STRESS_CHUNK];
	uint32_t seed = 12345;
	uint64_t pos = 0;
	while (pos < STRESS_BYTES) {
		size_t n = 1 + next_rand(&seed) % STRESS_CHUNK;
		if (n > STRESS_BYTES - pos)
			n = (size_t)(STRESS_BYTES - pos);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((pos + i) % 251);
		size_t w = hp_ring_write(&st->ring, buf, n);
		pos += w;
		st->offered += n;
		if (w < n)
			sched_yield();
	}
	atomic_store(&st->done, 1);
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *st = arg;
	uint8_t buf[STRESS_CHUNK * 2];
	uint32_t seed = 777;
	for (;;) {
		int finished = atomic_load(&st->done);
		struct pollfd p = {.fd = st->ring.wake_fd, .events = POLLIN};
		poll(&p, 1, 1);
		hp_ring_drain_wake(&st->ring);
		size_t want = 1 + next_rand(&seed) % sizeof(buf);
		size_t n;
		while ((n = hp_ring_read(&st->ring, buf, want)) > 0) {
			for (size_t i = 0; i < n; i++) {
				if (buf[i] != (uint8_t)((st->read + i) % 251))
					st->out_of_order++;
			}
			st->read += n;
		}
		if (finished)
			return NULL;
	}
}

static void test_two_threads(void)
{
	struct stress st = {0};
	CHECK_INT(hp_ring_init(&st.ring, 4096), 0);
	atomic_init(&st.done, 0);
	pthread_t p, c;
	pthread_create(&c, NULL, consumer, &st);
	pthread_create(&p, NULL, producer, &st);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	uint64_t written = atomic_load(&st.ring.written);
	uint64_t dropped = atomic_load(&st.ring.dropped);
	CHECK_INT(written, STRESS_BYTES);
	CHECK_INT(st.read, written);
	CHECK_INT(st.offered, written + dropped);
	CHECK_INT(st.out_of_order, 0);
	printf("ring stress: %llu bytes through a 4 KiB ring, %llu dropped on the way\n",
	       (unsigned long long)written, (unsigned long long)dropped);
	hp_ring_free(&st.ring);
}

int main(void)
{
	test_init();
	test_empty_and_exact_fit();
	test_full_drops();
	test_wrap();
	test_two_threads();
	return check_report("ring");
}
