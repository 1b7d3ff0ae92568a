/* Serial sources: raw termios with PARMRK marking, exclusive open, optional DTR/RTS
 * raise, and autodetection of baud rate and parity (autodetect.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "line_memo.h"
#include "parmrk.h"
#include "source_internal.h"

/* A read takes what the driver buffered; PARMRK may double bytes, so this holds
 * well over the 4 KiB a USB adapter hands over at once. */
#define SERIAL_READ_MAX 4096
/* How long a read waits before the time is checked (autodetection windows). */
#define SERIAL_POLL_MS 200

static const struct {
	unsigned baud;
	speed_t speed;
} speeds[] = {
    {300, B300},       {600, B600},       {1200, B1200},     {2400, B2400},   {4800, B4800},
    {9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600}, {115200, B115200},
    {230400, B230400}, {460800, B460800}, {921600, B921600},
};

static bool speed_of(unsigned baud, speed_t *out)
{
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++) {
		if (speeds[i].baud == baud) {
			*out = speeds[i].speed;
			return true;
		}
	}
	return false;
}

/* What an errno from open or read usually means for a serial adapter. */
static const char *serial_hint(int err)
{
	switch (err) {
	case ENOENT:
		return " (unplugged?)";
	case EACCES:
	case EPERM:
		return " (no permission: is the user in the dialout group?)";
	case EBUSY:
		return " (in use by another program)";
	case EIO:
	case ENXIO:
	case ENODEV:
		return " (device gone?)";
	case ENOTTY:
		return " (not a serial port)";
	default:
		return "";
	}
}

static tcflag_t frame_bits(enum hp_parity p)
{
	switch (p) {
	case HP_PARITY_8E1:
		return CS8 | PARENB;
	case HP_PARITY_7E1:
		return CS7 | PARENB;
	default:
		return CS8;
	}
}

/* Raw, with the marks of protocols-dsmr-serial.md step 1: INPCK and PARMRK on,
 * IGNPAR, ISTRIP and IGNBRK off (BRKINT too: a break is data, not a signal). */
static int configure(int fd, struct hp_line_setting at)
{
	struct termios t;
	speed_t speed;
	if (!speed_of(at.baud, &speed)) {
		errno = EINVAL;
		return -1;
	}
	if (tcgetattr(fd, &t) != 0)
		return -1;
	cfmakeraw(&t);
	t.c_iflag &= ~(tcflag_t)(IGNPAR | ISTRIP | IGNBRK | BRKINT | IXON | IXOFF | IXANY);
	t.c_iflag |= INPCK | PARMRK;
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
	t.c_cflag |= CLOCAL | CREAD | frame_bits(at.parity);
	/* Reads return what is there at once; poll does the waiting. */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, speed) != 0 || cfsetospeed(&t, speed) != 0)
		return -1;
	if (tcsetattr(fd, TCSANOW, &t) != 0)
		return -1;
	/* Bytes buffered before (at another setting) would only confuse the listener. */
	return tcflush(fd, TCIFLUSH);
}

/* The P1 data request: raise DTR and/or RTS. A pty or an adapter without modem
 * lines refuses; that is said once and tolerated. */
static void raise_lines(struct hp_source *s, int fd)
{
	int bits = 0;
	if (s->m.request_lines == HP_LINES_DTR || s->m.request_lines == HP_LINES_BOTH)
		bits |= TIOCM_DTR;
	if (s->m.request_lines == HP_LINES_RTS || s->m.request_lines == HP_LINES_BOTH)
		bits |= TIOCM_RTS;
	if (bits == 0 || ioctl(fd, TIOCMBIS, &bits) == 0 || s->lines_warned)
		return;
	s->lines_warned = true;
	hp_log(LOG_NOTICE, "meter %s: %s: cannot raise DTR/RTS (%s); reading without them",
	       s->m.name, s->m.path, strerror(errno));
}

/* Gives up exclusive use before closing: on a pty the flag outlives the close
 * (the master keeps the device), and the next open by a non-root daemon would
 * fail with EBUSY. */
void hp_serial_close(int fd)
{
	ioctl(fd, TIOCNXCL);
	close(fd);
}

int hp_serial_open(struct hp_source *s, struct hp_line_setting at)
{
	int fd = open(s->m.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		hp_source_fail(s, "%s: %s%s", s->m.path, strerror(e), serial_hint(e));
		return -1;
	}
	/* Exclusive: a second reader (ModemManager, a getty, another daemon) would steal
	 * bytes. */
	if (ioctl(fd, TIOCEXCL) != 0 || configure(fd, at) != 0) {
		int e = errno;
		if (e == EINVAL)
			hp_source_fail(s, "%s: cannot set %u baud %s", s->m.path, at.baud,
				       hp_parity_name(at.parity));
		else
			hp_source_fail(s, "%s: %s%s", s->m.path, strerror(e), serial_hint(e));
		hp_serial_close(fd);
		return -1;
	}
	raise_lines(s, fd);
	return fd;
}

/* What a loop over the open port ended with. */
enum serial_loop {
	LOOP_STOP,
	LOOP_GONE,  /* read error or hang-up: the detail says which */
	LOOP_FOUND, /* listening: a frame validated */
	LOOP_NEXT,  /* listening: window over, next candidate */
	LOOP_LOST,  /* verifying: bytes but no frame at the exact setting */
};

/* Reads once and un-marks; LOOP_NEXT doubles as "go on" here. */
static enum serial_loop read_unmarked(struct hp_source *s, int fd, struct hp_parmrk *pm,
				      uint8_t *bytes, uint8_t *flags, size_t *n)
{
	uint8_t raw[SERIAL_READ_MAX];
	int err;
	size_t got;
	*n = 0;
	switch (hp_source_read(s, fd, raw, sizeof(raw), SERIAL_POLL_MS, &got, &err)) {
	case HP_READ_STOP:
		return LOOP_STOP;
	case HP_READ_EOF:
		hp_source_fail(s, "%s: hang-up (device gone?)", s->m.path);
		return LOOP_GONE;
	case HP_READ_ERROR:
		hp_source_fail(s, "%s: read: %s%s", s->m.path, strerror(err), serial_hint(err));
		return LOOP_GONE;
	default:
		break;
	}
	uint64_t errors = pm->errors, breaks = pm->breaks;
	*n = hp_parmrk_feed(pm, raw, got, bytes, flags);
	if (pm->errors != errors || pm->breaks != breaks)
		hp_source_line_errors(s, pm->errors - errors, pm->breaks - breaks);
	return LOOP_NEXT;
}

/* Listens at one candidate: bytes go to the detector only. */
static enum serial_loop listen_loop(struct hp_source *s, int fd, struct hp_autodetect *d)
{
	struct hp_parmrk pm;
	hp_parmrk_init(&pm);
	for (;;) {
		uint8_t bytes[SERIAL_READ_MAX], flags[SERIAL_READ_MAX];
		size_t n;
		enum serial_loop r = read_unmarked(s, fd, &pm, bytes, flags, &n);
		if (r != LOOP_NEXT)
			return r;
		if (n > 0)
			hp_source_heard(s, n);
		switch (hp_autodetect_feed(d, bytes, flags, n, hp_mono_ms())) {
		case HP_DETECT_FOUND:
			return LOOP_FOUND;
		case HP_DETECT_NEXT:
			return LOOP_NEXT;
		default:
			break;
		}
	}
}

/* A setting saved by an earlier run, when it fits what the config allows; read
 * once, as the source starts. */
static void recall(struct hp_source *s)
{
	struct hp_line_setting at;
	if (s->memo_read)
		return;
	s->memo_read = true;
	if (s->line_memo[0] == '\0' || !hp_line_memo_load(s->line_memo, s->m.path, &at))
		return;
	if ((s->m.baud != 0 && at.baud != s->m.baud) ||
	    (s->m.parity != HP_PARITY_AUTO && at.parity != s->m.parity))
		return;
	s->remembered = at;
	hp_log(LOG_INFO, "meter %s: %s: starting at the saved %u %s", s->m.name, s->m.path, at.baud,
	       hp_parity_name(at.parity));
}

/* A confirmed setting: kept for this run and, when it changed, for the next. */
static void remember(struct hp_source *s, struct hp_line_setting at)
{
	bool changed = at.baud != s->remembered.baud || at.parity != s->remembered.parity;
	s->remembered = at;
	if (!changed || s->line_memo[0] == '\0')
		return;
	if (hp_line_memo_save(s->line_memo, s->m.path, at) != 0)
		hp_log(LOG_WARNING, "meter %s: cannot keep the detected setting in %s: %s",
		       s->m.name, s->line_memo, strerror(errno));
}

/* Reads into the ring; with d set, also verifies the setting until confirmed. */
static enum serial_loop pump(struct hp_source *s, int fd, struct hp_autodetect *d,
			     struct hp_line_setting at)
{
	struct hp_parmrk pm;
	hp_parmrk_init(&pm);
	for (;;) {
		uint8_t bytes[SERIAL_READ_MAX], flags[SERIAL_READ_MAX];
		size_t n;
		enum serial_loop r = read_unmarked(s, fd, &pm, bytes, flags, &n);
		if (r != LOOP_NEXT)
			return r;
		hp_source_push(s, bytes, n);
		if (d == NULL)
			continue;
		switch (hp_autodetect_feed(d, bytes, flags, n, hp_mono_ms())) {
		case HP_DETECT_CONFIRMED:
			remember(s, at);
			hp_log(LOG_INFO, "meter %s: %u %s confirmed", s->m.name, at.baud,
			       hp_parity_name(at.parity));
			d = NULL;
			break;
		case HP_DETECT_LOST:
			hp_source_fail(s, "%s: no frame at %u %s any more; detecting again",
				       s->m.path, at.baud, hp_parity_name(at.parity));
			return LOOP_LOST;
		default:
			break;
		}
	}
}

static enum hp_session_end end_of(enum serial_loop r)
{
	return r == LOOP_STOP ? HP_SESSION_STOP : HP_SESSION_RETRY;
}

/* Baud and parity both given: no detection. */
static enum hp_session_end run_fixed(struct hp_source *s)
{
	struct hp_line_setting at = {.baud = s->m.baud, .parity = s->m.parity};
	int fd = hp_serial_open(s, at);
	if (fd < 0)
		return HP_SESSION_RETRY;
	hp_source_opened(s, s->m.path);
	hp_source_set_line(s, at.baud, at.parity, false);
	hp_source_set_state(s, HP_SOURCE_RUNNING);
	enum serial_loop r = pump(s, fd, NULL, at);
	hp_serial_close(fd);
	return end_of(r);
}

/* Opens the port at a setting; the first open of the session is the device coming
 * back. */
static int open_at(struct hp_source *s, struct hp_line_setting at, bool *opened)
{
	int fd = hp_serial_open(s, at);
	if (fd >= 0 && !*opened) {
		*opened = true;
		hp_source_opened(s, s->m.path);
	}
	return fd;
}

/* One listen at the current candidate. LOOP_FOUND leaves the exact setting in the
 * detector. */
static enum serial_loop listen_once(struct hp_source *s, struct hp_autodetect *d, bool *opened)
{
	struct hp_line_setting at = hp_autodetect_listen_setting(d);
	int fd = open_at(s, at, opened);
	if (fd < 0)
		return LOOP_GONE;
	hp_source_set_line(s, at.baud, at.parity, false);
	hp_source_set_state(s, HP_SOURCE_DETECTING);
	unsigned cycles = hp_autodetect_cycles(d);
	hp_autodetect_listen(d, hp_mono_ms());
	enum serial_loop r = listen_loop(s, fd, d);
	hp_serial_close(fd);
	if (r == LOOP_NEXT && hp_autodetect_cycles(d) != cycles)
		hp_source_fail(s, "%s: %s", s->m.path, hp_autodetect_diagnosis(d));
	return r;
}

/* Reads at an exact setting (found or remembered) while verifying it. */
static enum serial_loop run_exact(struct hp_source *s, struct hp_autodetect *d,
				  struct hp_line_setting at, bool *opened)
{
	int fd = open_at(s, at, opened);
	if (fd < 0)
		return LOOP_GONE;
	hp_source_set_line(s, at.baud, at.parity, true);
	hp_source_set_state(s, HP_SOURCE_RUNNING);
	hp_autodetect_verify(d, at, hp_mono_ms());
	enum serial_loop r = pump(s, fd, d, at);
	hp_serial_close(fd);
	return r;
}

static enum hp_session_end run_auto(struct hp_source *s)
{
	recall(s);
	struct hp_autodetect_config c = {
	    .baud = s->m.baud,
	    .parity = s->m.parity,
	    .saved = s->remembered,
	    .window_ms = s->window_ms,
	    .keys = s->m.keys,
	};
	struct hp_autodetect *d = hp_autodetect_new(&c);
	if (d == NULL) {
		hp_source_fail(s, "%s: cannot start autodetection (out of memory)", s->m.path);
		return HP_SESSION_RETRY;
	}
	bool opened = false;
	/* A setting that worked before is used at once, and checked as it runs. */
	struct hp_line_setting exact = s->remembered;
	enum serial_loop r = LOOP_NEXT;
	for (;;) {
		if (exact.baud != 0) {
			r = run_exact(s, d, exact, &opened);
			if (r != LOOP_LOST)
				break;
			exact.baud = 0;
			s->remembered.baud = 0;
			continue;
		}
		r = listen_once(s, d, &opened);
		if (r == LOOP_FOUND) {
			exact = hp_autodetect_found(d);
			/* The detection is the recovery message, logged every time. */
			hp_source_set_detail(s, "%s", "");
			hp_log_recovered(&s->limit);
			hp_log(LOG_NOTICE, "meter %s: %s: detected %u %s", s->m.name, s->m.path,
			       exact.baud, hp_parity_name(exact.parity));
		} else if (r != LOOP_NEXT) {
			break;
		}
	}
	hp_autodetect_free(d);
	return end_of(r);
}

static enum hp_session_end serial_session(struct hp_source *s)
{
	if (s->m.baud != 0 && s->m.parity != HP_PARITY_AUTO)
		return run_fixed(s);
	return run_auto(s);
}

/* A replugged adapter must be read again within seconds; a failed open costs one
 * system call. */
const struct hp_source_driver hp_source_serial_driver = {
    .name = "serial",
    .session = serial_session,
    .backoff_max_ms = 2000,
};
