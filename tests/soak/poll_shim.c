/* poll() for a process whose clock libfaketime runs HP_SOAK_RATE times faster.
 *
 * libfaketime (Debian's 0.9.10) scales poll()'s timeout by integer division, so
 * at x2000 every timeout under 2 s becomes 0 and a thread that waits in poll()
 * spins; ppoll() it scales only from a whole second up, so a 0.5 s wait stays
 * 0.5 s real. clock_gettime, select, pselect and nanosleep it scales right. This
 * library, preloaded before libfaketime, waits timeout / HP_SOAK_RATE real
 * milliseconds in the ppoll system call itself, which libfaketime does not touch.
 * The soak test builds and preloads it; nothing else uses it. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The kernel's sigset_t, for the ppoll system call's last argument. */
#define KERNEL_SIGSET_BYTES 8

static double rate(void)
{
	static double r; /* set once; every thread computes the same value */
	if (r == 0) {
		const char *v = getenv("HP_SOAK_RATE");
		double x = v != NULL ? strtod(v, NULL) : 1;
		r = x > 0 ? x : 1;
	}
	return r;
}

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts, *tp = NULL; /* NULL: wait without a timeout, as poll(-1) */
	if (timeout_ms >= 0) {
		double ns = (double)timeout_ms * 1e6 / rate();
		ts.tv_sec = (time_t)(ns / 1e9);
		ts.tv_nsec = (long)(ns - (double)ts.tv_sec * 1e9);
		tp = &ts;
	}
	return (int)syscall(SYS_ppoll, fds, n, tp, NULL, (size_t)KERNEL_SIGSET_BYTES);
}
