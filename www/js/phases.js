// Voltage and current per phase. Voltage bars span nominal ±15 % with a mark at
// nominal, coloured by the deviation (EN 50160 allows ±10 %: within 5 % is
// green, within 10 % amber, beyond red). Current bars are scaled to the main fuse
// (amber from 80 %, red at the fuse).

import { el, setValue } from "./dom.js";
import { volts, amps, isNum } from "./format.js";

const VOLT_SPAN = 0.15;
// Without a configured main fuse the current bars use this scale.
const DEFAULT_FUSE_A = 40;

// The voltage a phase shows: 230 V on both 230 V IT (phase to phase) and 400 V TN
// (phase to neutral) grids.
export function nominalPhaseVolts(meter) {
	return meter.voltage >= 400 ? meter.voltage / Math.sqrt(3) : meter.voltage || 230;
}

function row(grid, name, id) {
	const fill = el("span", { class: "fill" });
	const bar = el("span", { class: "bar none" }, fill);
	const value = el("span", { class: "num", id });
	const note = el("span", { class: "dev" });
	const cells = [el("span", { class: "name", text: name }), bar, el("span", { class: "val" }, value, note)];
	grid.append(...cells);
	return { bar, fill, value, note, cells };
}

export class PhasesCard {
	constructor(root) {
		this.root = root;
		const grid = el("div", { class: "phases" });
		grid.append(el("h3", { text: "Voltage" }));
		this.voltage = [1, 2, 3].map((n) => row(grid, "L" + n, `v-l${n}`));
		this.currentTitle = el("h3", { text: "Current" });
		grid.append(this.currentTitle);
		this.current = [1, 2, 3].map((n) => row(grid, "L" + n, `i-l${n}`));
		for (const r of this.voltage) r.bar.append(el("span", { class: "mark", style: "left: 50%" }));
		root.replaceChildren(grid);
	}

	setMeter(meter) {
		this.meter = meter;
		this.nominal = nominalPhaseVolts(meter);
		this.fuse = meter.main_fuse_a > 0 ? meter.main_fuse_a : DEFAULT_FUSE_A;
		// A single-phase installation has no L2 and L3.
		for (const r of [...this.voltage.slice(1), ...this.current.slice(1)])
			for (const c of r.cells) c.classList.toggle("hidden", meter.phases === 1);
		this.currentTitle.textContent =
			meter.main_fuse_a > 0
				? `Current (main fuse ${meter.main_fuse_a} A)`
				: `Current (scale ${DEFAULT_FUSE_A} A, fuse not configured)`;
		this.root.dataset.state = "loading";
	}

	update(merged) {
		for (let n = 1; n <= 3; n++) {
			let u = merged.get(`l${n}_voltage_v`);
			let derived = false;
			if (!u && merged.get(`derived.l${n}_voltage_v`)) {
				u = merged.get(`derived.l${n}_voltage_v`);
				derived = true;
			}
			this.showVoltage(this.voltage[n - 1], u ? u.v : NaN, derived);
			const i = merged.get(`l${n}_current_a`);
			this.showCurrent(this.current[n - 1], i ? i.v : NaN);
			this.voltage[n - 1].value.dataset.time = u ? u.time : "";
			this.current[n - 1].value.dataset.time = i ? i.time : "";
		}
		this.root.dataset.state = "ready";
	}

	showVoltage(r, v, derived) {
		setValue(r.value, volts(v), isNum(v) ? v : undefined);
		if (!isNum(v)) {
			r.bar.className = "bar none";
			r.note.textContent = "";
			return;
		}
		const dev = (v - this.nominal) / this.nominal;
		const f = Math.min(1, Math.max(0, (dev + VOLT_SPAN) / (2 * VOLT_SPAN)));
		r.fill.style.width = (f * 100).toFixed(1) + "%";
		const level = Math.abs(dev) > 0.1 ? "alarm" : Math.abs(dev) > 0.05 ? "warn" : "";
		r.bar.className = "bar" + (level ? " " + level : "");
		r.note.textContent = `${dev >= 0 ? "+" : ""}${(dev * 100).toFixed(1)} %${derived ? " (derived)" : ""}`;
		r.bar.title = `nominal ${this.nominal.toFixed(0)} V`;
	}

	showCurrent(r, a) {
		setValue(r.value, amps(a), isNum(a) ? a : undefined);
		if (!isNum(a)) {
			r.bar.className = "bar none";
			r.note.textContent = "";
			return;
		}
		const f = a / this.fuse;
		r.fill.style.width = (Math.min(1, Math.max(0, f)) * 100).toFixed(1) + "%";
		r.bar.className = "bar" + (f >= 1 ? " alarm" : f >= 0.8 ? " warn" : "");
		r.note.textContent = `${(f * 100).toFixed(0)} %`;
	}
}
