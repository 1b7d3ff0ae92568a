// The one poll loop of a page. Each widget registers a task with the period it
// wants; every tick (1 s) the loop runs the most overdue task, which makes one
// request. So an open page sends at most one request per second however many
// widgets it has; periods longer than the loop can serve just stretch.
// load() runs every task at once, for the first view of a meter.

export class Poller {
	constructor(tickMs = 1000) {
		this.tickMs = tickMs;
		this.tasks = new Map();
		this.timer = null;
		this.running = false;
	}

	// run() makes one request and renders it; it must not throw (errors are
	// shown by the widget), but a throw is caught so the loop goes on.
	set(name, periodMs, run) {
		this.tasks.set(name, { name, periodMs, run, due: 0 });
	}

	clear() {
		this.tasks.clear();
	}

	// Makes a task due at the next tick.
	kick(name) {
		const t = this.tasks.get(name);
		if (t) t.due = 0;
	}

	async load() {
		const now = Date.now();
		const all = [...this.tasks.values()];
		for (const t of all) t.due = now + t.periodMs;
		await Promise.all(all.map((t) => Poller.runSafely(t)));
	}

	start() {
		if (this.running) return;
		this.running = true;
		this.schedule(this.tickMs);
	}

	stop() {
		this.running = false;
		clearTimeout(this.timer);
		this.timer = null;
	}

	schedule(delay) {
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.tick(), delay);
	}

	static async runSafely(task) {
		try {
			await task.run();
		} catch (err) {
			// A widget bug must not stop the other widgets' updates.
			console.warn(`hanp1d: ${task.name}:`, err);
		}
	}

	async tick() {
		if (!this.running) return;
		const started = Date.now();
		let next = null;
		for (const t of this.tasks.values()) {
			if (t.due <= started && (next === null || t.due < next.due)) next = t;
		}
		if (next) {
			next.due = started + next.periodMs;
			await Poller.runSafely(next);
		}
		if (this.running) this.schedule(Math.max(0, this.tickMs - (Date.now() - started)));
	}
}
