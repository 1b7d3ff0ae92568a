// How a page asks the daemon: at most one request a second per open page (the
// issue's limit), without a burst at load or on a meter switch.
//
// - Every API request waits its turn at the gate (api.js getJSON goes through
//   it). The first BURST requests of the page's first second go out at once: the
//   meter list and the configuration together, then the first /now, so the
//   gauges fill at once. After that, one request at a time: the next starts when
//   the one before has finished and a second has passed since (counted from the
//   finish, so a slow answer cannot bring two starts closer than a second).
//   Requests that answer a click (the history browser) go before the poll loop's.
// - The poll loop: each widget registers a task with the period it wants; the
//   most overdue task runs, one at a time; periods longer than the gate can
//   serve just stretch. load() makes every task due in the order it was set
//   (current power and status first, then the slow-changing peaks, tables,
//   prices and history), so the first view of a meter fills one widget a second
//   (about 9 s in all) instead of firing them together.

const BURST = 3;
const GAP_MS = 1000;

class Gate {
	constructor() {
		this.burst = BURST;
		this.burstEnd = performance.now() + 1000;
		this.inFlight = 0;
		this.lastEnd = -Infinity;
		this.waiting = [];
		this.timer = null;
	}

	// Resolves when a request may start, with the function to call when it has
	// finished (answered or failed).
	enter(urgent = false) {
		return new Promise((resolve) => {
			this.waiting.push({ resolve, urgent });
			this.pump();
		});
	}

	pump() {
		clearTimeout(this.timer);
		if (this.waiting.length === 0) return;
		const now = performance.now();
		if (this.burst > 0 && now < this.burstEnd) this.burst--;
		else {
			// The finish of the one in flight pumps again.
			if (this.inFlight > 0) return;
			const wait = this.lastEnd + GAP_MS - now;
			if (wait > 0) {
				this.timer = setTimeout(() => this.pump(), wait);
				return;
			}
		}
		const i = Math.max(0, this.waiting.findIndex((w) => w.urgent));
		const [w] = this.waiting.splice(i, 1);
		this.inFlight++;
		let done = false;
		w.resolve(() => {
			if (done) return;
			done = true;
			this.inFlight--;
			this.lastEnd = performance.now();
			this.pump();
		});
		this.pump();
	}
}

export const gate = new Gate();

const periodOf = (t) => (typeof t.periodMs === "function" ? t.periodMs() : t.periodMs);

export class Poller {
	constructor() {
		this.tasks = new Map();
		this.timer = null;
		this.running = false;
		this.busy = false;
	}

	// run() makes its request(s) and renders; it must not throw (errors are shown
	// by the widget), but a throw is caught so the loop goes on. periodMs: a
	// number or a function returning one (Infinity: only at load()).
	set(name, periodMs, run) {
		this.tasks.set(name, { name, periodMs, run, due: 0, ran: null });
	}

	// Drops every task; a load() waiting for them resolves.
	clear() {
		for (const t of this.tasks.values()) if (t.ran) t.ran();
		this.tasks.clear();
	}

	// Makes a task due now.
	kick(name) {
		const t = this.tasks.get(name);
		if (t) t.due = 0;
		this.wake();
	}

	// Makes every task due, in the order they were set; resolves when each has
	// run once.
	load() {
		const all = [...this.tasks.values()];
		const now = Date.now();
		const runs = all.map(
			(t, i) =>
				new Promise((resolve) => {
					t.due = now - all.length + i;
					t.ran = resolve;
				}),
		);
		this.wake();
		return Promise.all(runs);
	}

	start() {
		this.running = true;
		this.wake();
	}

	stop() {
		this.running = false;
		clearTimeout(this.timer);
	}

	wake() {
		if (!this.running || this.busy) return;
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.next(), 0);
	}

	static async runSafely(task) {
		try {
			await task.run();
		} catch (err) {
			// A widget bug must not stop the other widgets' updates.
			console.warn(`hanp1d: ${task.name}:`, err);
		}
	}

	// Runs the most overdue task, then the next; sleeps until one is due.
	async next() {
		if (!this.running || this.busy) return;
		let task = null;
		for (const t of this.tasks.values()) if (task === null || t.due < task.due) task = t;
		const now = Date.now();
		if (task === null || task.due > now) {
			if (task !== null && Number.isFinite(task.due)) this.timer = setTimeout(() => this.next(), task.due - now);
			return;
		}
		task.due = now + periodOf(task);
		this.busy = true;
		await Poller.runSafely(task);
		this.busy = false;
		if (task.ran) task.ran();
		task.ran = null;
		this.next();
	}
}
