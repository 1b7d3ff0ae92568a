/* A single-producer single-consumer byte ring (C11 atomics): the source thread
 * writes what it reads, the parser thread reads it. The writer never blocks: bytes
 * that do not fit are dropped and counted. */
#ifndef HP_DAEMON_RING_H
#define HP_DAEMON_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct hp_ring {
	uint8_t *buf;
	size_t cap;          /* a power of two */
	_Atomic size_t head; /* next byte to read (consumer) */
	_Atomic size_t tail; /* next byte to write (producer) */
	_Atomic uint64_t written, dropped;
	int wake_fd; /* eventfd the producer signals after a write; the consumer polls it */
};

/* cap is rounded up to a power of two. Returns 0, or -1 (errno) on failure. */
int hp_ring_init(struct hp_ring *r, size_t cap);
void hp_ring_free(struct hp_ring *r);

/* Producer: copies what fits, counts the rest in `dropped`, signals wake_fd. Returns
 * the bytes written. */
size_t hp_ring_write(struct hp_ring *r, const uint8_t *p, size_t n);

/* Producer: wakes the consumer without bytes (the source has an event for it). */
void hp_ring_wake(struct hp_ring *r);

/* Consumer: copies up to max bytes out; returns how many. */
size_t hp_ring_read(struct hp_ring *r, uint8_t *out, size_t max);

/* Consumer: clears the wake signal before reading (so a write after it wakes again). */
void hp_ring_drain_wake(struct hp_ring *r);

#endif
