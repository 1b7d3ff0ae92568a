// The meter's values as the dashboard shows them. Meters send lists of different
// length (an Aidon sends power alone every 2.5 s and voltages and currents every
// 10 s), and /now is only the latest one; so each value is kept from the last
// reading that carried it, with that reading's time.

export class MergedReading {
	constructor() {
		this.values = new Map();
		this.lastTime = null;
		this.stale = false;
	}

	// Takes a /now answer; false when it is the reading already taken.
	add(now) {
		if (!now || !now.reading) return false;
		this.stale = Boolean(now.stale);
		if (now.time === this.lastTime) return false;
		this.lastTime = now.time;
		const t = Date.parse(now.time);
		for (const [key, v] of Object.entries(now.reading)) this.values.set(key, { v, t, time: now.time });
		// Values the daemon derives (a U2 on IT grids) are kept apart: they are
		// shown, marked, where the meter sends none.
		for (const [key, v] of Object.entries(now.derived || {}))
			this.values.set("derived." + key, { v, t, time: now.time });
		return true;
	}

	// A stored raw row (/history?resolution=raw): fills the keys no newer reading
	// has given yet, so a page opened between two long lists shows voltages at once.
	addRow(row) {
		const t = row.t_ms;
		const time = new Date(t).toISOString();
		for (const [key, v] of Object.entries(row)) {
			if (key === "t" || key === "t_ms" || key === "meter_time" || typeof v !== "number") continue;
			const had = this.values.get(key);
			if (!had || had.t < t) this.values.set(key, { v, t, time });
		}
	}

	// {v, t, time} or undefined.
	get(key) {
		return this.values.get(key);
	}

	value(key) {
		const e = this.values.get(key);
		return e ? e.v : undefined;
	}
}
