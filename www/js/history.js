// The history browser: a day, a month or a range of days; resolutions from month
// down to 15 minutes and the raw readings; clicking a bar zooms in (month -> day
// -> hour); a button jumps to the month's peak hour (Norway) or quarter (Belgium).
// Requests here answer a click, so they go before the poll loop's (poll.js); the
// first view of a meter is a poll task (dashboard.js), after the live widgets.

import { el, setValue, figuresTable } from "./dom.js";
import { fixed, kwh, money, power, tick, TICK_DECIMALS } from "./format.js";
import { fetchEnergy, sum } from "./energy.js";
import { apiUrl, getJSON, meterPath, failure } from "./api.js";
import { ChartView, energyBars } from "./charts.js";
import {
	parts,
	dateText,
	monthText,
	clockText,
	clockSecondsText,
	addDays,
	addMonths,
	daysBetween,
	hourParam,
} from "./time.js";

const pad = (n) => String(n).padStart(2, "0");
const RAW_LIMIT = 10000;
const URGENT = { urgent: true };

const RESOLUTIONS = {
	month: ["day", "hour", "15m"],
	day: ["hour", "15m", "raw"],
	hour: ["15m", "raw"],
	range: ["month", "day", "hour", "15m", "raw"],
};

const RES_LABEL = {
	month: "per month",
	day: "per day",
	hour: "per hour",
	"15m": "per 15 minutes",
	raw: "raw readings",
};

export class HistoryCard {
	// peaks(): the /peaks answer (or null), for the jump to the month's peak.
	constructor(root, { peaks }) {
		this.root = root;
		this.peaks = peaks;
		this.seq = 0;
		this.kindButtons = {};
		const kinds = el(
			"div",
			{ class: "segmented", role: "group", "aria-label": "Period" },
			["day", "month", "range"].map((k) => {
				const b = el("button", {
					type: "button",
					id: `h-kind-${k}`,
					text: k[0].toUpperCase() + k.slice(1),
					onclick: () => this.setKind(k),
				});
				this.kindButtons[k] = b;
				return b;
			}),
		);
		this.day = el("input", {
			type: "date",
			id: "h-day",
			"aria-label": "Day",
			onchange: () => this.pickDay(this.day.value),
		});
		this.month = el("input", {
			type: "month",
			id: "h-month",
			"aria-label": "Month",
			onchange: () => this.pickMonth(this.month.value),
		});
		this.from = el("input", { type: "date", id: "h-from", "aria-label": "From", onchange: () => this.pickRange() });
		this.to = el("input", { type: "date", id: "h-to", "aria-label": "To", onchange: () => this.pickRange() });
		this.rangeInputs = el("span", { class: "controls-range" }, this.from, " – ", this.to);
		this.prev = el("button", {
			type: "button",
			id: "h-prev",
			"aria-label": "Earlier",
			text: "◀",
			onclick: () => this.step(-1),
		});
		this.next = el("button", {
			type: "button",
			id: "h-next",
			"aria-label": "Later",
			text: "▶",
			onclick: () => this.step(1),
		});
		this.up = el("button", { type: "button", id: "h-up", text: "Whole day", onclick: () => this.zoomOut() });
		this.res = el("select", {
			id: "h-res",
			"aria-label": "Resolution",
			onchange: () => this.pickResolution(this.res.value),
		});
		this.peakButton = el("button", {
			type: "button",
			id: "h-peak",
			text: "Month's peak",
			onclick: () => this.jumpToPeak(),
		});
		this.csv = el("a", { class: "button", id: "h-csv", text: "CSV", download: "" });
		this.title = el("span", { class: "sub", id: "h-title" });
		this.summary = el("p", { class: "summary", id: "h-summary" });
		this.box = el("div", { class: "chart-box tall", dataset: { label: "history" } });
		this.table = el("div", { class: "scroll", id: "h-table" });
		this.chart = new ChartView(this.box);
		this.legend = el(
			"div",
			{ class: "legend" },
			el("span", {}, el("i", { class: "imp" }), "import"),
			el("span", {}, el("i", { class: "exp" }), "export (down)"),
			el("span", {}, el("i", { class: "pk" }), "peak"),
		);
		root.replaceChildren(
			el(
				"div",
				{ class: "controls" },
				kinds,
				this.day,
				this.month,
				this.rangeInputs,
				this.prev,
				this.next,
				this.up,
				el("label", {}, "Resolution", this.res),
				this.peakButton,
				this.csv,
			),
			this.box,
			this.legend,
			this.summary,
			el("details", { class: "data" }, el("summary", { text: "Figures" }), this.table),
		);
		root.closest(".card").querySelector("h2").append(this.title);
	}

	setMeter(meter) {
		this.meter = meter;
		const today = dateText(Date.now(), meter.timezone);
		this.view = {
			kind: "day",
			date: today,
			month: today.slice(0, 7),
			from: addDays(today, -6),
			to: today,
			hour: null,
			resolution: "auto",
		};
		this.highlightMs = null;
		this.highlightClock = null;
		// The previous meter's figures go; this one's come with the poll loop.
		this.seq++;
		this.syncControls(this.resolution());
		this.title.textContent = "";
		this.summary.textContent = "";
		this.table.replaceChildren();
		this.chart.show((c) => energyBars(c, { labels: [], imports: [], exports: [] }));
		this.root.dataset.state = "loading";
	}

	// ---- what the controls do ----

	setKind(kind) {
		this.view.kind = kind;
		this.view.hour = null;
		this.view.resolution = "auto";
		if (kind === "month") this.view.month = this.view.date.slice(0, 7);
		this.highlightMs = null;
		this.highlightClock = null;
		this.load();
	}

	pickDay(date) {
		if (!date) return;
		Object.assign(this.view, { kind: "day", date, hour: null });
		this.highlightMs = null;
		this.highlightClock = null;
		this.load();
	}

	pickMonth(month) {
		if (!month) return;
		Object.assign(this.view, { kind: "month", month, resolution: "auto" });
		this.highlightMs = null;
		this.highlightClock = null;
		this.load();
	}

	pickRange() {
		if (!this.from.value || !this.to.value) return;
		let [a, b] = [this.from.value, this.to.value];
		if (b < a) [a, b] = [b, a];
		Object.assign(this.view, { kind: "range", from: a, to: b, resolution: "auto" });
		this.highlightMs = null;
		this.highlightClock = null;
		this.load();
	}

	pickResolution(res) {
		this.view.resolution = res;
		this.load();
	}

	step(n) {
		const v = this.view;
		if (v.kind === "month") v.month = addMonths(v.month, n);
		else if (v.kind === "range") {
			const len = daysBetween(v.from, v.to) + 1;
			v.from = addDays(v.from, n * len);
			v.to = addDays(v.to, n * len);
		} else if (v.hour !== null) {
			const h = v.hour + n;
			if (h < 0 || h > 23) {
				v.date = addDays(v.date, n);
				v.hour = (h + 24) % 24;
			} else v.hour = h;
		} else v.date = addDays(v.date, n);
		this.highlightMs = null;
		this.highlightClock = null;
		this.load();
	}

	zoomOut() {
		if (this.view.hour !== null) {
			this.view.hour = null;
			this.view.resolution = "auto";
		} else if (this.view.kind === "day") {
			this.view.kind = "month";
			this.view.month = this.view.date.slice(0, 7);
			this.view.resolution = "auto";
		}
		this.load();
	}

	// From the period charts: a day's bar opens the day, a month's the month, an
	// hour's the day at 15 minutes.
	openBucket(which, b) {
		const zone = this.meter.timezone;
		if (which === "year")
			Object.assign(this.view, { kind: "month", month: monthText(b.start_ms, zone), resolution: "auto" });
		else if (which === "month")
			Object.assign(this.view, { kind: "day", date: dateText(b.start_ms, zone), hour: null, resolution: "auto" });
		else Object.assign(this.view, { kind: "day", date: dateText(b.start_ms, zone), hour: null, resolution: "15m" });
		this.highlightMs = b.start_ms;
		this.highlightClock = null;
		this.load();
		this.root.closest(".card").scrollIntoView({ behavior: "smooth", block: "start" });
	}

	// A bar of this chart: zoom in one level.
	zoomInto(b) {
		const zone = this.meter.timezone;
		const v = this.view;
		const res = this.resolution();
		if (res === "month") Object.assign(v, { kind: "month", month: monthText(b.start_ms, zone), resolution: "auto" });
		else if (res === "day")
			Object.assign(v, { kind: "day", date: dateText(b.start_ms, zone), hour: null, resolution: "auto" });
		else if (res === "hour" || res === "15m") {
			if (v.hour !== null) return;
			Object.assign(v, {
				kind: "day",
				date: dateText(b.start_ms, zone),
				hour: parts(b.start_ms, zone).hour,
				resolution: "auto",
			});
		} else return;
		this.highlightMs = null;
		this.highlightClock = null;
		this.load();
	}

	// The month's peak: the highest counted hour (Norway), the peak quarter
	// (Belgium), or the highest hour; from /peaks, else from the month's buckets.
	async jumpToPeak() {
		const meter = this.meter;
		const target = await findPeak(meter, this.peaks());
		if (meter !== this.meter) return;
		if (!target) {
			this.summary.textContent = "No peak this month yet.";
			return;
		}
		const zone = meter.timezone;
		const date = target.start_ms !== undefined ? dateText(target.start_ms, zone) : target.date;
		Object.assign(this.view, { kind: "day", date, hour: null, resolution: target.quarter ? "15m" : "hour" });
		this.highlightMs = target.start_ms;
		this.highlightClock = target.clock;
		await this.load();
	}

	// ---- the query ----

	resolution() {
		const v = this.view;
		const kind = v.hour !== null ? "hour" : v.kind;
		const allowed = RESOLUTIONS[kind];
		if (v.resolution !== "auto" && allowed.includes(v.resolution)) return v.resolution;
		if (kind === "range") {
			const days = daysBetween(v.from, v.to) + 1;
			return days <= 2 ? "hour" : days <= 62 ? "day" : "month";
		}
		return allowed[0] === "15m" ? "raw" : allowed[0];
	}

	range() {
		const v = this.view;
		if (v.kind === "month") return { from: v.month + "-01", to: addMonths(v.month, 1) + "-01", label: v.month };
		if (v.kind === "range") return { from: v.from, to: addDays(v.to, 1), label: `${v.from} – ${v.to}` };
		if (v.hour !== null)
			return {
				from: hourParam(v.date, v.hour),
				to: v.hour === 23 ? addDays(v.date, 1) : hourParam(v.date, v.hour + 1),
				label: `${v.date} ${pad(v.hour)}:00–${pad((v.hour + 1) % 24)}:00`,
			};
		return { from: v.date, to: addDays(v.date, 1), label: v.date };
	}

	syncControls(res) {
		const v = this.view;
		for (const [k, b] of Object.entries(this.kindButtons)) b.setAttribute("aria-pressed", String(k === v.kind));
		this.day.value = v.date;
		this.month.value = v.month;
		this.from.value = v.from;
		this.to.value = v.to;
		this.day.classList.toggle("hidden", v.kind !== "day");
		this.month.classList.toggle("hidden", v.kind !== "month");
		this.rangeInputs.classList.toggle("hidden", v.kind !== "range");
		this.up.classList.toggle("hidden", v.kind !== "day");
		this.up.textContent = v.hour !== null ? "Whole day" : "Whole month";
		const kind = v.hour !== null ? "hour" : v.kind;
		this.res.replaceChildren(...RESOLUTIONS[kind].map((r) => el("option", { value: r, text: RES_LABEL[r] })));
		this.res.value = res;
		const meterPeak = this.meter.capacity_tariff === "be" ? "Month's peak quarter" : "Month's peak hour";
		this.peakButton.textContent = meterPeak;
	}

	async load() {
		const meter = this.meter;
		const seq = ++this.seq;
		const res = this.resolution();
		const r = this.range();
		this.syncControls(res);
		this.title.textContent = `${r.label} · ${RES_LABEL[res]}`;
		this.csv.href = apiUrl(meterPath(meter.name, "history.csv"), { resolution: res, from: r.from, to: r.to });
		this.csv.setAttribute("download", `${meter.name}-${r.from}-${res}.csv`);
		this.root.dataset.state = "loading";
		const isCurrent = () => seq === this.seq && meter === this.meter;
		if (res === "raw") {
			const a = await getJSON(
				meterPath(meter.name, "history"),
				{ resolution: "raw", from: r.from, to: r.to, limit: RAW_LIMIT },
				URGENT,
			);
			if (!isCurrent()) return;
			if (!a.ok || !Array.isArray(a.body)) this.showError(failure(a));
			else this.renderRaw(a.body);
		} else {
			const a = await fetchEnergy(meter.name, res, r.from, r.to, URGENT);
			if (!isCurrent()) return;
			if (!a.ok) this.showError(a.why);
			else this.renderEnergy(a, res);
		}
		this.root.dataset.query = `${res}|${r.from}|${r.to}`;
		this.root.dataset.state = "ready";
	}

	showError(why) {
		this.summary.textContent = "Not available: " + why;
		this.table.replaceChildren();
		this.chart.show((c) => energyBars(c, { labels: [], imports: [], exports: [] }));
	}

	label(b, res) {
		const zone = this.meter.timezone;
		if (res === "month") return monthText(b.start_ms, zone);
		if (res === "day") return dateText(b.start_ms, zone);
		const multiDay = this.view.kind !== "day";
		return (multiDay ? dateText(b.start_ms, zone) + " " : "") + clockText(b.start_ms, zone);
	}

	renderEnergy(a, res) {
		const buckets = a.buckets;
		const labels = buckets.map((b) => this.label(b, res));
		const zone = this.meter.timezone;
		let highlight = buckets.findIndex((b) => b.start_ms === this.highlightMs);
		if (highlight < 0 && this.highlightClock)
			highlight = buckets.findIndex((b) => clockText(b.start_ms, zone) === this.highlightClock);
		this.chart.show((c) =>
			energyBars(c, {
				labels,
				imports: buckets.map((b) => b.import_kwh),
				exports: buckets.map((b) => b.export_kwh),
				highlight,
				onPick: (i) => this.zoomInto(buckets[i]),
				tooltipTitle: (i) => labels[i],
			}),
		);
		let max = null;
		for (const b of buckets) if (b.import_kwh !== null && (max === null || b.import_kwh > max.import_kwh)) max = b;
		const ti = sum(buckets, "import_kwh");
		const te = sum(buckets, "export_kwh");
		const tc = sum(buckets, "cost");
		const ticome = sum(buckets, "income");
		const bits = [`Import ${kwh(ti, 3)}`, `export ${kwh(te, 3)}`];
		if (tc !== null) bits.push(`cost ${money(tc, a.currency)}`);
		if (ticome !== null) bits.push(`income ${money(ticome, a.currency)}`);
		if (max) bits.push(`highest ${this.label(max, res)} (${kwh(max.import_kwh, 3)})`);
		setValue(this.summary, bits.join(" · "), ti);
		this.summary.dataset.buckets = String(buckets.length);
		const rows = buckets.map((b, i) => ({
			class: i === highlight ? "peak" : undefined,
			dataset: { startMs: String(b.start_ms) },
			cells: [
				labels[i] + (b.gap ? " (gap)" : b.estimated ? " (est.)" : ""),
				{ text: fixed(b.import_kwh, 3), class: "import", value: b.import_kwh },
				{ text: fixed(b.export_kwh, 3), class: "export", value: b.export_kwh },
				{ text: fixed(b.cost, 2), value: b.cost },
			],
		}));
		this.table.replaceChildren(
			figuresTable(["", "Import kWh", "Export kWh", "Cost" + (a.currency ? " " + a.currency : "")], rows),
		);
		this.legend.lastChild.classList.toggle("hidden", highlight < 0);
	}

	renderRaw(rows) {
		const zone = this.meter.timezone;
		const imp = rows
			.filter((r) => typeof r.power_import_w === "number")
			.map((r) => ({ x: r.t_ms, y: r.power_import_w / 1000 }));
		const exp = rows
			.filter((r) => typeof r.power_export_w === "number")
			.map((r) => ({ x: r.t_ms, y: -r.power_export_w / 1000 }));
		this.chart.show((c) => ({
			type: "line",
			data: {
				datasets: [
					{
						label: "Import",
						data: imp,
						borderColor: c.import,
						backgroundColor: c.importSoft,
						fill: "origin",
						pointRadius: 0,
						borderWidth: 1.5,
					},
					{
						label: "Export",
						data: exp,
						borderColor: c.export,
						backgroundColor: c.exportSoft,
						fill: "origin",
						pointRadius: 0,
						borderWidth: 1.5,
					},
				],
			},
			options: {
				parsing: false,
				scales: {
					x: {
						type: "linear",
						grid: { display: false },
						ticks: { color: c.muted, maxTicksLimit: 8, callback: (v) => clockText(v, zone) },
					},
					y: {
						grid: { color: c.grid },
						ticks: { color: c.muted, precision: TICK_DECIMALS, callback: (v) => tick(Math.abs(v)) },
						title: { display: true, text: "kW", color: c.muted },
					},
				},
				plugins: {
					legend: { display: false },
					tooltip: {
						callbacks: {
							title: (items) => clockSecondsText(items[0].parsed.x, zone),
							label: (i) => `${i.dataset.label}: ${Math.abs(i.parsed.y).toFixed(3)} kW`,
						},
					},
				},
			},
		}));
		let max = null;
		for (const r of rows)
			if (typeof r.power_import_w === "number" && (max === null || r.power_import_w > max.power_import_w)) max = r;
		const text = [`${rows.length} readings${rows.length >= RAW_LIMIT ? " (the first " + RAW_LIMIT + ")" : ""}`];
		if (max) text.push(`highest import ${power(max.power_import_w)} at ${clockSecondsText(max.t_ms, zone)}`);
		setValue(this.summary, text.join(" · "), rows.length);
		this.summary.dataset.buckets = String(rows.length);
		this.table.replaceChildren(
			figuresTable(
				["Time", "Import W", "Export W", "L1 V"],
				rows.map((r) => ({
					dataset: { startMs: String(r.t_ms) },
					cells: [
						clockSecondsText(r.t_ms, zone),
						{ text: fixed(r.power_import_w, 0), class: "import" },
						{ text: fixed(r.power_export_w, 0), class: "export" },
						fixed(r.l1_voltage_v, 1),
					],
				})),
			),
		);
		this.legend.lastChild.classList.add("hidden");
	}
}

// The month's peak as {start_ms, quarter} (a moment), or {date, clock, quarter}
// (a meter's wall time); null when there is none yet.
async function findPeak(meter, peaks) {
	const fromApi = peaks ? peakFromAnswer(peaks) : null;
	if (fromApi) return fromApi;
	// Without /peaks: the month's highest hour (or quarter, Belgium) from its buckets.
	const quarter = meter.capacity_tariff === "be";
	const month = monthText(Date.now(), meter.timezone);
	const a = await fetchEnergy(meter.name, quarter ? "15m" : "hour", month + "-01", addMonths(month, 1) + "-01", URGENT);
	if (!a.ok) return null;
	let best = null;
	for (const b of a.buckets)
		if (b.import_kwh !== null && !b.gap && (best === null || b.import_kwh > best.import_kwh)) best = b;
	return best ? { start_ms: best.start_ms, quarter } : null;
}

function moment(t) {
	const ms = typeof t === "string" && /[zZ]|[+-]\d\d:?\d\d$/.test(t) ? Date.parse(t) : NaN;
	return Number.isFinite(ms) ? ms : null;
}

// The peak a /peaks answer names: Norway's highest counted hour; Belgium's month
// peak (the own quarter's start, else the meter's wall time floored to its
// quarter); else the month's highest hour.
export function peakFromAnswer(p) {
	if (p.capacity_tariff === "be" && p.be) {
		const mp = p.be.month_peak;
		const own = moment(mp.own_time);
		if (own !== null) return { start_ms: own, quarter: true };
		const wall = typeof mp.meter_time === "string" ? mp.meter_time.match(/^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d)/) : null;
		if (wall)
			return { date: wall[1], clock: `${wall[2]}:${pad(Math.floor(Number(wall[3]) / 15) * 15)}`, quarter: true };
		const q = p.max_quarter ? moment(p.max_quarter.start) : null;
		if (q !== null) return { start_ms: q, quarter: true };
		return null;
	}
	if (p.capacity_tariff === "no" && p.no && p.no.peaks.length > 0) {
		const top = p.no.peaks.reduce((a, b) => (b.kwh > a.kwh ? b : a));
		const t = moment(top.start);
		if (t !== null) return { start_ms: t, quarter: false };
	}
	const h = p.max_hour ? moment(p.max_hour.start) : null;
	return h !== null ? { start_ms: h, quarter: false } : null;
}
