/* Replay sources: replay:/path/to/capture[?speed=N]. The capture (hex text or raw
 * bytes, told apart by content as `hanp1d decode` does) is played in a loop at the
 * rate of a 2400 baud line times the speed, or with speed 0 as fast as the ring
 * takes it (benchmarks: then nothing is dropped). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex_text.h"
#include "source_internal.h"

/* Speed 1 plays the file as a 2400 baud 8N1 line would: 10 bits per byte. */
#define LINE_BYTES_PER_S (2400.0 / 10.0)
/* Paced: bytes are released every tick, so a frame arrives in a few pieces as it
 * does from a real adapter. */
#define REPLAY_TICK_MS 50
/* Fast: how long to wait for the consumer to make room. */
#define REPLAY_ROOM_WAIT_MS 1
/* One push at most this much, so the consumer sees steady pieces. */
#define REPLAY_CHUNK_MAX 65536
/* A capture larger than this is not a capture (a disk image given by mistake). */
#define REPLAY_FILE_MAX ((off_t)1 << 30)

struct capture {
	const uint8_t *data;
	size_t len;
	void *map; /* the mapping of a raw file */
	size_t map_len;
	uint8_t *decoded; /* the bytes of a hex text file */
};

static void capture_free(struct capture *c)
{
	if (c->map != NULL)
		munmap(c->map, c->map_len);
	free(c->decoded);
	*c = (struct capture){0};
}

/* Hex text becomes bytes in a copy; raw files are played from the mapping. */
static int capture_decode(struct hp_source *s, struct capture *c)
{
	if (!hp_is_hex_text(c->map, c->map_len)) {
		c->data = c->map;
		c->len = c->map_len;
		return 0;
	}
	c->decoded = malloc(c->map_len);
	if (c->decoded == NULL) {
		hp_source_fail(s, "%s: out of memory", s->m.path);
		return -1;
	}
	memcpy(c->decoded, c->map, c->map_len);
	c->len = hp_hex_text_decode(c->decoded, c->map_len);
	c->data = c->decoded;
	munmap(c->map, c->map_len);
	c->map = NULL;
	return 0;
}

/* Why a file cannot be a capture, or NULL when it can. */
static const char *unfit(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_size == 0)
		return "empty capture";
	if (st->st_size > REPLAY_FILE_MAX)
		return "too large for a capture";
	return NULL;
}

static int capture_load(struct hp_source *s, struct capture *c)
{
	*c = (struct capture){0};
	int fd = open(s->m.path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		hp_source_fail(s, "%s: %s", s->m.path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const char *why = unfit(&st);
	if (why != NULL) {
		hp_source_fail(s, "%s: %s", s->m.path, why);
		close(fd);
		return -1;
	}
	c->map_len = (size_t)st.st_size;
	c->map = mmap(NULL, c->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	int map_errno = errno;
	close(fd);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		hp_source_fail(s, "%s: %s", s->m.path, strerror(map_errno));
		return -1;
	}
	if (capture_decode(s, c) != 0) {
		capture_free(c);
		return -1;
	}
	return 0;
}

/* Pushes n bytes starting at *pos, wrapping at the end of the capture. */
static void play(struct hp_source *s, const struct capture *c, size_t *pos, size_t n)
{
	while (n > 0) {
		size_t k = c->len - *pos;
		if (k > n)
			k = n;
		if (k > REPLAY_CHUNK_MAX)
			k = REPLAY_CHUNK_MAX;
		hp_source_push(s, c->data + *pos, k);
		*pos = (*pos + k) % c->len;
		n -= k;
	}
}

static enum hp_session_end play_fast(struct hp_source *s, const struct capture *c)
{
	size_t pos = 0;
	for (;;) {
		size_t room = hp_source_ring_room(s);
		if (room == 0) {
			if (hp_source_wait(s, -1, 0, REPLAY_ROOM_WAIT_MS, NULL) == HP_WAIT_STOP)
				return HP_SESSION_STOP;
			continue;
		}
		if (atomic_load(&s->stopping))
			return HP_SESSION_STOP;
		play(s, c, &pos, room < REPLAY_CHUNK_MAX ? room : REPLAY_CHUNK_MAX);
	}
}

static enum hp_session_end play_paced(struct hp_source *s, const struct capture *c, double speed)
{
	double rate = LINE_BYTES_PER_S * speed; /* bytes per second */
	int64_t start = hp_mono_ms();
	uint64_t released = 0;
	size_t pos = 0;
	for (;;) {
		uint64_t due = (uint64_t)((double)(hp_mono_ms() - start) * rate / 1000.0);
		/* After a stall (a suspended machine) do not flood the ring: skip what a
		 * ring could not have held anyway. */
		if (due - released > s->ring->cap)
			released = due - s->ring->cap;
		play(s, c, &pos, (size_t)(due - released));
		released = due;
		if (hp_source_wait(s, -1, 0, REPLAY_TICK_MS, NULL) == HP_WAIT_STOP)
			return HP_SESSION_STOP;
	}
}

static enum hp_session_end replay_session(struct hp_source *s)
{
	struct capture c;
	if (capture_load(s, &c) != 0)
		return HP_SESSION_RETRY;
	hp_source_opened(s, s->m.path);
	hp_source_set_state(s, HP_SOURCE_RUNNING);
	double speed = s->m.speed < 0 ? 1.0 : s->m.speed;
	enum hp_session_end end = speed == 0 ? play_fast(s, &c) : play_paced(s, &c, speed);
	capture_free(&c);
	return end;
}

const struct hp_source_driver hp_source_replay_driver = {
    .name = "replay",
    .session = replay_session,
    .backoff_max_ms = 2000, /* a file that comes back is read again at once */
};
