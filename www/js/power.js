// Import and export power gauges, scaled to what the installation can carry: main
// fuse x voltage x phases (three phases: sqrt(3) x line voltage x fuse; 230 V IT
// and 400 V TN grids come out alike); without a fuse, the AMS reader's defaults
// (20 kW three-phase, 10 kW single-phase). Export scales to the production's kWp
// when configured.

import { el, setValue } from "./dom.js";
import { power, isNum } from "./format.js";
import { Gauge } from "./gauge.js";
import { clockSecondsText } from "./time.js";

export function maxImportW(meter) {
	if (meter.max_power_w > 0) return meter.max_power_w;
	const phases = meter.phases === 1 ? 1 : 3;
	if (!(meter.main_fuse_a > 0)) return phases === 3 ? 20000 : 10000;
	const v = meter.voltage || 230;
	return phases === 3 ? Math.sqrt(3) * v * meter.main_fuse_a : v * meter.main_fuse_a;
}

export function maxExportW(meter) {
	return meter.production_kwp > 0 ? meter.production_kwp * 1000 : maxImportW(meter);
}

function scaleNote(meter) {
	if (meter.max_power_w > 0) return `scale: ${power(meter.max_power_w)} (configured)`;
	if (!(meter.main_fuse_a > 0)) return "scale: main fuse not configured";
	return `scale: ${meter.main_fuse_a} A × ${meter.voltage || 230} V × ${meter.phases === 1 ? 1 : 3} phase${meter.phases === 1 ? "" : "s"}`;
}

export class PowerCard {
	constructor(root) {
		this.root = root;
		const gauges = el("div", { class: "gauges" });
		this.importGauge = new Gauge(gauges, { title: "Import", kind: "import", id: "g-import" });
		this.exportGauge = new Gauge(gauges, { title: "Export", kind: "export", id: "g-export" });
		this.net = el("span", { id: "p-net", class: "num" });
		this.when = el("span", { id: "p-time", class: "num" });
		this.scale = el("div", { class: "readout", id: "p-scale" });
		this.problem = el("p", { class: "warning hidden", id: "p-problem", role: "status" });
		root.replaceChildren(
			gauges,
			el("div", { class: "readout" }, "Net ", this.net, " · read at ", this.when),
			this.scale,
			this.problem,
		);
	}

	setMeter(meter) {
		this.meter = meter;
		this.scale.textContent = scaleNote(meter);
		this.showProblem("");
		this.update({ get: () => undefined });
		this.root.dataset.state = "loading";
	}

	// No reading to show (none yet, or the latest is stale): why, in words.
	showProblem(text) {
		this.problem.textContent = text;
		this.problem.classList.toggle("hidden", !text);
	}

	update(merged) {
		const imp = merged.get("power_import_w");
		const exp = merged.get("power_export_w");
		const maxI = maxImportW(this.meter);
		const maxE = maxExportW(this.meter);
		this.importGauge.update(imp ? imp.v : NaN, maxI, power(imp ? imp.v : NaN), power(maxI));
		this.exportGauge.update(exp ? exp.v : NaN, maxE, power(exp ? exp.v : NaN), power(maxE));
		// The reading each value came from, for whoever checks it against /now.
		this.importGauge.valueText.dataset.time = imp ? imp.time : "";
		this.exportGauge.valueText.dataset.time = exp ? exp.time : "";
		const net = imp ? imp.v - (exp ? exp.v : 0) : NaN;
		setValue(this.net, isNum(net) ? (net > 0 ? "+" : "") + power(net) : "–", net);
		setValue(this.when, imp ? clockSecondsText(imp.t, this.meter.timezone) : "–");
		this.root.dataset.state = "ready";
		this.root.dataset.time = imp ? imp.time : "";
	}
}
