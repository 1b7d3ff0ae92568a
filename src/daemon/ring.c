/* The SPSC byte ring (ring.h).
 *
 * head and tail are free-running counters: the bytes in the ring are tail - head,
 * and a position is the counter masked by cap - 1. Only the producer stores tail
 * and only the consumer stores head; each loads the other's counter with acquire
 * and publishes its own with release, so the bytes copied before a release are
 * visible to the thread that acquires the new counter.
 *
 * `written` counts the bytes that went into the ring and `dropped` the bytes that
 * did not fit, so written + dropped is what the producer offered. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ring.h"

/* A capacity above this cannot be rounded up to a power of two in a size_t. */
#define RING_CAP_MAX ((SIZE_MAX >> 1) + 1)

static size_t round_up_pow2(size_t n)
{
	size_t cap = 1;
	while (cap < n)
		cap <<= 1;
	return cap;
}

int hp_ring_init(struct hp_ring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->wake_fd = -1;
	if (cap == 0 || cap > RING_CAP_MAX) {
		errno = EINVAL;
		return -1;
	}
	r->cap = round_up_pow2(cap);
	r->buf = malloc(r->cap);
	if (r->buf == NULL)
		return -1;
	r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->wake_fd < 0) {
		int saved = errno;
		free(r->buf);
		r->buf = NULL;
		errno = saved;
		return -1;
	}
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->written, 0);
	atomic_init(&r->dropped, 0);
	return 0;
}

void hp_ring_free(struct hp_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	r->wake_fd = -1;
}

/* Copies n bytes into the ring at counter position pos, wrapping at the end. */
static void copy_in(struct hp_ring *r, size_t pos, const uint8_t *p, size_t n)
{
	size_t at = pos & (r->cap - 1);
	size_t first = r->cap - at < n ? r->cap - at : n;
	memcpy(r->buf + at, p, first);
	memcpy(r->buf, p + first, n - first);
}

static void copy_out(const struct hp_ring *r, size_t pos, uint8_t *out, size_t n)
{
	size_t at = pos & (r->cap - 1);
	size_t first = r->cap - at < n ? r->cap - at : n;
	memcpy(out, r->buf + at, first);
	memcpy(out + first, r->buf, n - first);
}

void hp_ring_wake(struct hp_ring *r)
{
	uint64_t one = 1;
	/* EAGAIN only when the counter is near overflow, and then the consumer is woken
	 * anyway; nothing else can fail on an eventfd. */
	ssize_t w = write(r->wake_fd, &one, sizeof(one));
	(void)w;
}

size_t hp_ring_write(struct hp_ring *r, const uint8_t *p, size_t n)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t room = r->cap - (tail - head);
	size_t take = n < room ? n : room;
	if (take > 0) {
		copy_in(r, tail, p, take);
		atomic_store_explicit(&r->tail, tail + take, memory_order_release);
		atomic_fetch_add_explicit(&r->written, take, memory_order_relaxed);
	}
	if (take < n)
		atomic_fetch_add_explicit(&r->dropped, n - take, memory_order_relaxed);
	if (take > 0)
		hp_ring_wake(r);
	return take;
}

size_t hp_ring_read(struct hp_ring *r, uint8_t *out, size_t max)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t avail = tail - head;
	size_t take = max < avail ? max : avail;
	if (take > 0) {
		copy_out(r, head, out, take);
		atomic_store_explicit(&r->head, head + take, memory_order_release);
	}
	return take;
}

void hp_ring_drain_wake(struct hp_ring *r)
{
	uint64_t count;
	ssize_t n = read(r->wake_fd, &count, sizeof(count));
	(void)n; /* EAGAIN: nothing was signalled */
}
