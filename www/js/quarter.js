// The running quarter-hour at 5-second resolution, the Belgian peak watch: import
// power per 5 s since the quarter began (kW), the quarter's projected average as
// it evolved, and the month's peak quarter as the line not to cross. The figures
// come from /peaks when the daemon has them (the meter's own running average on
// e-MUCS meters); else they are estimated here from the readings.

import { el, setValue } from "./dom.js";
import { fixed, isNum } from "./format.js";
import { ChartView, axes } from "./charts.js";
import { getJSON, meterPath, epochParam } from "./api.js";

const QUARTER_MS = 15 * 60000;
const SLOT_MS = 5000;
const SLOTS = QUARTER_MS / SLOT_MS;
// The longest push interval of a meter (HAN lists 10 s), with some slack.
const MAX_STEP_MS = 15000;

function stat(id, label) {
	const value = el("span", { class: "value", id });
	return { e: el("div", { class: "stat" }, el("span", { class: "label", text: label }), value), value };
}

export class QuarterCard {
	constructor(root) {
		this.root = root;
		this.soFar = stat("q-sofar", "Energy so far (kWh)");
		this.projected = stat("q-projected", "Projected average (kW)");
		this.peak = stat("q-peak", "Month peak (kW)");
		this.left = stat("q-left", "Time left");
		this.source = el("p", { class: "muted", id: "q-source" });
		this.warning = el("p", { class: "warning hidden", id: "q-warning", role: "alert" });
		this.box = el("div", { class: "chart-box", dataset: { label: "running quarter-hour" } });
		this.chart = new ChartView(this.box);
		const legend = el(
			"div",
			{ class: "legend" },
			el("span", {}, el("i", { class: "imp" }), "import per 5 s"),
			el("span", {}, el("i", { class: "proj" }), "projected average"),
			el("span", {}, el("i", { class: "pk" }), "month peak"),
		);
		root.replaceChildren(
			el("div", { class: "stats" }, this.soFar.e, this.projected.e, this.peak.e, this.left.e),
			this.box,
			legend,
			this.warning,
			this.source,
		);
	}

	setMeter(meter) {
		this.meter = meter;
		this.api = null;
		this.startQuarter(Math.floor(Date.now() / QUARTER_MS) * QUARTER_MS);
		this.root.dataset.state = "loading";
	}

	startQuarter(start) {
		this.quarterStart = start;
		this.sums = new Float64Array(SLOTS);
		this.counts = new Uint16Array(SLOTS);
		this.projection = new Array(SLOTS).fill(null);
		this.energyKwh = 0;
		this.lastT = null;
		this.lastW = null;
		this.samples = [];
	}

	// The quarter's readings so far, from the raw history (one request, at the
	// first view of a meter); returns the rows for the other widgets. Readings
	// from /now that came first are merged in time order: the quarter is summed
	// again from its start.
	async backfill(isCurrent) {
		const a = await getJSON(meterPath(this.meter.name, "history"), {
			resolution: "raw",
			from: epochParam(this.quarterStart),
		});
		if (!isCurrent() || !a.ok || !Array.isArray(a.body)) return [];
		const rows = a.body.filter((r) => isNum(r.power_import_w)).map((r) => [r.t_ms, r.power_import_w]);
		const all = [...rows, ...this.samples].sort((x, y) => x[0] - y[0]);
		this.startQuarter(this.quarterStart);
		for (const [t, w] of all) this.addSample(t, w);
		this.render();
		return a.body;
	}

	addSample(t, watts) {
		if (t >= this.quarterStart + QUARTER_MS) this.startQuarter(Math.floor(t / QUARTER_MS) * QUARTER_MS);
		if (t < this.quarterStart || (this.lastT !== null && t <= this.lastT)) return;
		// Rectangle rule with the power just read, as the meters' running averages
		// do; a step is at most MAX_STEP_MS (before the first reading seen, or
		// while the page was hidden, the power is not known).
		const dt = Math.min(t - (this.lastT ?? this.quarterStart), MAX_STEP_MS) / 3600000;
		this.energyKwh += (watts / 1000) * dt;
		this.lastT = t;
		this.lastW = watts;
		this.samples.push([t, watts]);
		const slot = Math.min(SLOTS - 1, Math.floor((t - this.quarterStart) / SLOT_MS));
		this.sums[slot] += watts / 1000;
		this.counts[slot] += 1;
		const remainingH = (this.quarterStart + QUARTER_MS - t) / 3600000;
		this.projection[slot] = (this.energyKwh + (watts / 1000) * remainingH) * 4;
	}

	// figures: {quarterKwh, projectedKw, monthPeakKw, above, fromMeter} from /peaks,
	// or null when the daemon has none.
	setApi(figures) {
		this.api = figures;
	}

	render() {
		const now = Date.now();
		if (now >= this.quarterStart + QUARTER_MS) this.startQuarter(Math.floor(now / QUARTER_MS) * QUARTER_MS);
		const api = this.api;
		const estimated = {
			quarterKwh: this.lastT === null ? NaN : this.energyKwh,
			projectedKw: this.lastW === null ? NaN : this.projection[Math.floor((this.lastT - this.quarterStart) / SLOT_MS)],
		};
		const soFar = api && isNum(api.quarterKwh) ? api.quarterKwh : estimated.quarterKwh;
		const projected = api && isNum(api.projectedKw) ? api.projectedKw : estimated.projectedKw;
		const peak = api ? api.monthPeakKw : null;
		setValue(this.soFar.value, fixed(soFar, 3), soFar);
		setValue(this.projected.value, fixed(projected, 2), projected);
		setValue(this.peak.value, isNum(peak) ? fixed(peak, 2) : "none yet", peak);
		const leftS = Math.max(0, Math.round((this.quarterStart + QUARTER_MS - now) / 1000));
		setValue(this.left.value, `${Math.floor(leftS / 60)}:${String(leftS % 60).padStart(2, "0")}`, leftS);
		const above = api && typeof api.above === "boolean" ? api.above : isNum(peak) && projected > peak;
		this.warning.textContent = above
			? `This quarter is heading above the month's peak: ${fixed(projected, 2)} kW against ${fixed(peak, 2)} kW.`
			: "";
		this.warning.classList.toggle("hidden", !above);
		this.source.textContent =
			api && isNum(api.quarterKwh)
				? api.fromMeter
					? "Figures from the meter's running quarter average (1-0:1.4.0)."
					: "Figures from the daemon's accounting."
				: "Estimated from the readings on this page.";
		this.root.dataset.state = "ready";
		this.root.dataset.api = api && isNum(api.quarterKwh) ? "yes" : "no";
		this.draw(peak);
	}

	draw(peak) {
		const labels = [];
		const bars = [];
		for (let i = 0; i < SLOTS; i++) {
			const s = ((i + 1) * SLOT_MS) / 1000;
			labels.push(`${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`);
			bars.push(this.counts[i] > 0 ? this.sums[i] / this.counts[i] : null);
		}
		const projection = this.projection.slice();
		this.chart.show((c) => ({
			type: "bar",
			data: {
				labels,
				datasets: [
					{
						type: "bar",
						label: "Import (kW)",
						data: bars,
						backgroundColor: c.importSoft,
						borderColor: c.import,
						borderWidth: 1,
						barPercentage: 1,
						categoryPercentage: 1,
						order: 3,
					},
					{
						type: "line",
						label: "Projected average (kW)",
						data: projection,
						borderColor: c.accent,
						borderWidth: 2,
						pointRadius: 0,
						spanGaps: true,
						order: 1,
					},
					{
						type: "line",
						label: "Month peak (kW)",
						data: labels.map(() => (isNum(peak) ? peak : null)),
						borderColor: c.peak,
						borderDash: [6, 4],
						borderWidth: 2,
						pointRadius: 0,
						order: 2,
					},
				],
			},
			options: {
				// A tick every 3 minutes of the quarter.
				scales: axes(c, {
					yTitle: "kW",
					absolute: false,
					stacked: false,
					xTicks: { autoSkip: false, callback: (_v, i) => ((i + 1) % 36 === 0 ? labels[i] : null) },
				}),
			},
		}));
	}
}
