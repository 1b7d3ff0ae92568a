// Energy per hour over the last 24 hours, per day over the last month and per
// month over the last year (import up, export down), each with a table of its
// figures; and the running hour, day and month, which are the last bucket of each.

import { el, setValue, figuresTable } from "./dom.js";
import { fixed, kwh, money } from "./format.js";
import { fetchEnergy, bucketAt, sum } from "./energy.js";
import { epochParam } from "./api.js";
import { ChartView, energyBars } from "./charts.js";
import { parts, dateText, monthText, addDays, addMonths, monthName } from "./time.js";

const HOUR_MS = 3600000;
const pad = (n) => String(n).padStart(2, "0");

// What each chart asks for and how it labels its buckets.
export const PERIODS = {
	day: {
		period: "hour",
		title: "Last 24 hours",
		range(now) {
			const end = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
			return { from: epochParam(end - 24 * HOUR_MS), to: epochParam(end) };
		},
		label: (b, zone) => pad(parts(b.start_ms, zone).hour),
		rowLabel: (b, zone) => `${dateText(b.start_ms, zone)} ${pad(parts(b.start_ms, zone).hour)}:00`,
	},
	month: {
		period: "day",
		title: "Last 31 days",
		range(now, zone) {
			const today = dateText(now, zone);
			return { from: addDays(today, -30), to: addDays(today, 1) };
		},
		label: (b, zone) => String(parts(b.start_ms, zone).day),
		rowLabel: (b, zone) => dateText(b.start_ms, zone),
	},
	year: {
		period: "month",
		title: "Last 12 months",
		range(now, zone) {
			const month = monthText(now, zone);
			return { from: addMonths(month, -11) + "-01", to: addMonths(month, 1) + "-01" };
		},
		label: (b, zone) => monthName(parts(b.start_ms, zone).month),
		rowLabel: (b, zone) => monthText(b.start_ms, zone),
	},
};

export class PeriodCard {
	// which: "day", "month" or "year"; onPick(bucket) opens it in the history.
	constructor(root, which, { onPick, onData }) {
		this.root = root;
		this.which = which;
		this.spec = PERIODS[which];
		this.onPick = onPick;
		this.onData = onData;
		this.total = el("span", { class: "sub num", id: `${which}-total` });
		this.box = el("div", { class: "chart-box", dataset: { label: this.spec.title } });
		this.table = el("div", { class: "scroll", id: `${which}-table` });
		this.body = el(
			"div",
			{},
			this.box,
			el("details", { class: "data" }, el("summary", { text: "Figures" }), this.table),
		);
		this.chart = new ChartView(this.box);
		root.replaceChildren(this.body);
		root.closest(".card").querySelector("h2").append(this.total);
	}

	setMeter(meter) {
		this.meter = meter;
		this.root.dataset.state = "loading";
	}

	async refresh(isCurrent) {
		const meter = this.meter;
		const now = Date.now();
		const r = this.spec.range(now, meter.timezone);
		const answer = await fetchEnergy(meter.name, this.spec.period, r.from, r.to);
		if (!isCurrent()) return;
		if (!answer.ok) {
			this.total.textContent = "";
			this.root.replaceChildren(el("p", { class: "unavailable", text: "Not available: " + answer.why }));
			this.root.dataset.state = "unavailable";
			this.onData(this.which, null, now);
			return;
		}
		if (this.root.firstChild !== this.body) this.root.replaceChildren(this.body);
		this.render(answer);
		this.onData(this.which, answer, now);
	}

	render(answer) {
		const zone = this.meter.timezone;
		const buckets = answer.buckets;
		const imports = buckets.map((b) => b.import_kwh);
		const exports = buckets.map((b) => b.export_kwh);
		const ti = sum(buckets, "import_kwh");
		const te = sum(buckets, "export_kwh");
		const tc = sum(buckets, "cost");
		setValue(
			this.total,
			`import ${kwh(ti, 2)} · export ${kwh(te, 2)}` + (tc !== null ? ` · ${money(tc, answer.currency)}` : ""),
			ti,
		);
		this.chart.show((c) =>
			energyBars(c, {
				labels: buckets.map((b) => this.spec.label(b, zone)),
				imports,
				exports,
				onPick: (i) => this.onPick(this.which, buckets[i]),
				tooltipTitle: (i) => this.spec.rowLabel(buckets[i], zone),
			}),
		);
		const rows = buckets.map((b) => ({
			dataset: { startMs: String(b.start_ms) },
			cells: [
				this.spec.rowLabel(b, zone) + (b.gap ? " (gap)" : b.estimated ? " (est.)" : ""),
				{ text: fixed(b.import_kwh, 3), class: "import", value: b.import_kwh },
				{ text: fixed(b.export_kwh, 3), class: "export", value: b.export_kwh },
				{ text: fixed(b.cost, 2), value: b.cost },
			],
		}));
		this.table.replaceChildren(
			figuresTable(["", "Import kWh", "Export kWh", "Cost" + (answer.currency ? " " + answer.currency : "")], rows),
		);
		this.root.dataset.state = "ready";
		this.root.dataset.source = answer.source;
	}
}

// This hour, today and this month: the bucket of each chart that holds now. One
// column per period, so the figures fit a phone.
const RUNNING_ROWS = [
	["import", "Import"],
	["cost", "Cost"],
	["export", "Export"],
	["income", "Income"],
];

export class RunningCard {
	constructor(root) {
		this.root = root;
		this.cells = { hour: {}, day: {}, month: {} };
		const rows = RUNNING_ROWS.map(([col, label]) => {
			const cells = ["hour", "day", "month"].map((key) => {
				const td = el("td", {
					class: "num" + (col === "import" || col === "export" ? " " + col : ""),
					id: `run-${key}-${col}`,
				});
				this.cells[key][col] = td;
				return td;
			});
			return el("tr", {}, el("th", { scope: "row", text: label }), cells);
		});
		this.units = el("p", { class: "muted", id: "run-units" });
		this.note = el("p", { class: "muted hidden", id: "run-note" });
		this.heads = ["hour", "day", "month"].map((key, i) =>
			el("th", { scope: "col", id: `run-${key}`, text: ["This hour", "Today", "This month"][i] }),
		);
		root.replaceChildren(
			el("table", { class: "figures" }, el("thead", {}, el("tr", {}, el("th", {}), this.heads)), el("tbody", {}, rows)),
			this.units,
			this.note,
		);
	}

	setMeter(meter) {
		this.meter = meter;
		for (const key of Object.keys(this.cells)) for (const c of Object.values(this.cells[key])) setValue(c, "…");
		this.root.dataset.state = "loading";
	}

	// which: the chart the data came from ("day" chart -> this hour, "month"
	// chart -> today, "year" chart -> this month).
	update(which, answer, now) {
		const key = { day: "hour", month: "day", year: "month" }[which];
		const cells = this.cells[key];
		const b = answer ? bucketAt(answer.buckets, now) : null;
		const cur = answer ? answer.currency : null;
		setValue(cells.import, fixed(b && b.import_kwh, 3), b ? b.import_kwh : undefined);
		setValue(cells.export, fixed(b && b.export_kwh, 3), b ? b.export_kwh : undefined);
		setValue(cells.cost, fixed(b && b.cost, 2), b ? b.cost : undefined);
		setValue(cells.income, fixed(b && b.income, 2), b ? b.income : undefined);
		const head = this.heads[["hour", "day", "month"].indexOf(key)];
		head.dataset.startMs = b ? String(b.start_ms) : "";
		head.title = b && b.estimated ? "estimated (integrated power, or spread from a longer span)" : "";
		if (cur) this.units.textContent = `Energy in kWh; cost and income in ${cur}.`;
		else if (!this.units.textContent) this.units.textContent = "Energy in kWh; no currency configured.";
		if (answer && answer.source === "history") {
			this.note.textContent = "Cost needs the daemon's energy endpoint; these are stored buckets without prices.";
			this.note.classList.remove("hidden");
		} else {
			this.note.classList.add("hidden");
		}
		this.root.dataset.state = "ready";
	}
}
