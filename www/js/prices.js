// Prices from now on: the price now, the cheapest and dearest interval ahead, and a
// bar per interval (15 minutes or an hour) from /meters/NAME/prices.

import { el, setValue, figuresTable, unavailable } from "./dom.js";
import { price, fixed, isNum } from "./format.js";
import { getJSON, meterPath, epochParam, failure, missingEndpoint } from "./api.js";
import { ChartView, axes } from "./charts.js";
import { clockText, dateText } from "./time.js";

const HOUR_MS = 3600000;
const AHEAD_MS = 36 * HOUR_MS;

function numberOf(v) {
	if (isNum(v)) return v;
	if (v && typeof v === "object") return numberOf(v.price ?? v.value);
	return null;
}

function sourceOf(v, p, key) {
	if (v && typeof v === "object" && typeof v.source === "string") return v.source;
	return p[key + "_source"] ?? p.source ?? null;
}

// The answer's intervals as {start_ms, end_ms, import, export, source}.
export function priceIntervals(body) {
	const list = Array.isArray(body) ? body : body.prices || body.points || body.intervals || body.buckets || [];
	return list.map((p) => {
		const imp = p.import ?? p.import_price ?? p.price;
		return {
			start_ms: isNum(p.start_ms) ? p.start_ms : Date.parse(p.start),
			end_ms: isNum(p.end_ms) ? p.end_ms : Date.parse(p.end),
			import: numberOf(imp),
			export: numberOf(p.export ?? p.export_price),
			source: sourceOf(imp, p, "import"),
		};
	});
}

export class PricesCard {
	constructor(root) {
		this.root = root;
		this.now = el("div", { class: "big", id: "pr-now" });
		this.nowNote = el("div", { class: "muted", id: "pr-now-note" });
		this.low = el("span", { class: "value num", id: "pr-min" });
		this.high = el("span", { class: "value num", id: "pr-max" });
		this.box = el("div", { class: "chart-box", dataset: { label: "prices ahead" } });
		this.table = el("div", { class: "scroll", id: "pr-table" });
		this.chart = new ChartView(this.box);
		this.body = el(
			"div",
			{},
			el(
				"div",
				{ class: "stats" },
				el("div", { class: "stat" }, el("span", { class: "label", text: "Now" }), this.now, this.nowNote),
			),
			el(
				"div",
				{ class: "stats" },
				el("div", { class: "stat" }, el("span", { class: "label", text: "Lowest ahead" }), this.low),
				el("div", { class: "stat" }, el("span", { class: "label", text: "Highest ahead" }), this.high),
			),
			this.box,
			el("details", { class: "data" }, el("summary", { text: "Figures" }), this.table),
		);
		root.replaceChildren(this.body);
	}

	setMeter(meter) {
		this.meter = meter;
		this.root.dataset.state = "loading";
	}

	async refresh(isCurrent) {
		const meter = this.meter;
		const now = Date.now();
		const from = Math.floor(now / HOUR_MS) * HOUR_MS;
		const a = await getJSON(meterPath(meter.name, "prices"), {
			from: epochParam(from),
			to: epochParam(from + AHEAD_MS),
		});
		if (!isCurrent()) return;
		if (!a.ok || !a.body) {
			unavailable(
				this.root,
				missingEndpoint(a)
					? "Prices are not available in this version of hanp1d."
					: "Prices not available: " + failure(a),
			);
			return;
		}
		const currency = a.body.currency || "";
		const all = priceIntervals(a.body).filter((p) => p.end_ms > now);
		const known = all.filter((p) => p.import !== null);
		if (known.length === 0) {
			unavailable(
				this.root,
				"No prices: configure [prices] (a fixed price, time-of-use rules) or push dynamic prices to POST /api/v1/prices.",
			);
			return;
		}
		if (this.root.firstChild !== this.body) this.root.replaceChildren(this.body);
		this.render(all, known, currency, now);
	}

	render(all, known, currency, now) {
		const zone = this.meter.timezone;
		const current = all.find((p) => p.start_ms <= now && now < p.end_ms) || null;
		setValue(this.now, current ? price(current.import, currency) : "unknown", current ? current.import : undefined);
		this.nowNote.textContent = current
			? `${clockText(current.start_ms, zone)}–${clockText(current.end_ms, zone)}` +
				(current.source ? ` · ${current.source}` : "") +
				(isNum(current.export) && current.export !== current.import
					? ` · export ${price(current.export, currency)}`
					: "")
			: "";
		let low = known[0];
		let high = known[0];
		for (const p of known) {
			if (p.import < low.import) low = p;
			if (p.import > high.import) high = p;
		}
		const when = (p) =>
			`${dateText(p.start_ms, zone) === dateText(now, zone) ? "" : "tomorrow "}${clockText(p.start_ms, zone)}`;
		setValue(this.low, `${price(low.import, currency)} at ${when(low)}`, low.import);
		setValue(this.high, `${price(high.import, currency)} at ${when(high)}`, high.import);
		const labels = all.map((p) => clockText(p.start_ms, zone));
		const values = all.map((p) => p.import);
		this.chart.show((c) => ({
			type: "bar",
			data: {
				labels,
				datasets: [
					{
						label: "Import price",
						data: values,
						backgroundColor: all.map((p) =>
							p === current ? c.accent : p === low ? c.export : p === high ? c.alarm : c.muted,
						),
						borderRadius: 2,
					},
				],
			},
			options: {
				scales: axes(c, { yTitle: currency ? currency + "/kWh" : "", absolute: false, stacked: false }),
				plugins: { legend: { display: false }, tooltip: { callbacks: { label: (i) => price(i.parsed.y, currency) } } },
			},
		}));
		this.table.replaceChildren(
			figuresTable(
				["Start", "Import", "Export", "Source"],
				all.map((p) => ({
					class: p === current ? "peak" : undefined,
					dataset: { startMs: String(p.start_ms) },
					cells: [
						`${dateText(p.start_ms, zone)} ${clockText(p.start_ms, zone)}`,
						{ text: fixed(p.import, 4), value: p.import },
						fixed(p.export, 4),
						p.source || "",
					],
				})),
			),
		);
		this.root.dataset.state = "ready";
	}
}
