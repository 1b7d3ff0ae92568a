// The capacity tariff of the month, by the meter's capacity_tariff (/peaks):
// - Norway: the month value (mean of the N highest hours on N days), its step,
//   the counted hours, what the running hour may still use without lifting the
//   step, and the step the month is heading for.
// - Belgium: the month's peak quarter (the meter's 1-0:1.6.0 when it sends one),
//   the rolling 12-month mean that is billed, and its fee.
// - none: the month's highest hour and quarter.
// update() also hands the running quarter's figures to the peak watch (quarter.js).

import { el, setValue, figuresTable, unavailable } from "./dom.js";
import { fixed, kw, kwh, isNum } from "./format.js";
import { failure, missingEndpoint } from "./api.js";
import { dateText, clockText } from "./time.js";

const num = (v) => (isNum(v) ? v : null);

// An API time: ISO with an offset (a moment), or the meter's own wall time
// "YYYY-MM-DDTHH:MM:SS" without one (shown as it is).
export function timeText(t, zone) {
	if (typeof t !== "string") return "–";
	if (/[zZ]|[+-]\d\d:?\d\d$/.test(t)) {
		const ms = Date.parse(t);
		if (Number.isFinite(ms)) return `${dateText(ms, zone)} ${clockText(ms, zone)}`;
	}
	return t.replace("T", " ").slice(0, 16);
}

export function stepText(s) {
	if (!s) return "–";
	const lower = fixed(s.lower_kw, 0);
	return s.upper_kw === null || s.upper_kw === undefined ? `above ${lower} kW` : `${lower}–${fixed(s.upper_kw, 0)} kW`;
}

function stat(label, id, extraClass) {
	const value = el("span", { class: "value" + (extraClass ? " " + extraClass : ""), id });
	const note = el("span", { class: "muted", style: "display:block;font-size:.8rem" });
	return { e: el("div", { class: "stat" }, el("span", { class: "label", text: label }), value, note), value, note };
}

export class PeaksCard {
	constructor(root) {
		this.root = root;
	}

	setMeter(meter) {
		this.meter = meter;
		this.kind = null;
		this.root.replaceChildren(el("p", { class: "muted", text: "Loading…" }));
		this.root.dataset.state = "loading";
	}

	// answer: the /peaks getJSON result. Returns the running quarter's figures
	// ({quarterKwh, projectedKw, monthPeakKw, above, fromMeter}) or null.
	update(answer) {
		if (!answer.ok || !answer.body) {
			unavailable(
				this.root,
				missingEndpoint(answer)
					? "The capacity tariff is not available in this version of hanp1d."
					: "Not available: " + failure(answer),
			);
			this.kind = null;
			return null;
		}
		const p = answer.body;
		const kind = p.capacity_tariff || "none";
		if (kind !== this.kind) this.build(kind);
		this.root.dataset.state = "ready";
		this.root.dataset.kind = kind;
		const monthQuarter = p.max_quarter ? num(p.max_quarter.kw) : null;
		if (kind === "no" && p.no) {
			this.showNorway(p.no);
			return { quarterKwh: null, projectedKw: null, monthPeakKw: monthQuarter };
		}
		if (kind === "be" && p.be) return this.showBelgium(p.be);
		this.showNone(p);
		return { quarterKwh: null, projectedKw: null, monthPeakKw: monthQuarter };
	}

	build(kind) {
		this.kind = kind;
		if (kind === "no") {
			this.value = stat("Month value", "pk-value", "big");
			this.step = stat("Step", "pk-step", "big");
			this.scale = el("div", { class: "step-scale", id: "pk-scale", "aria-hidden": "true" });
			this.hour = el("p", { id: "pk-hour" });
			this.projected = el("p", { id: "pk-projected" });
			this.peaks = el("div", { id: "pk-peaks" });
			this.note = el("p", { class: "muted", id: "pk-note" });
			this.root.replaceChildren(
				el("div", { class: "stats" }, this.value.e, this.step.e),
				this.scale,
				this.hour,
				this.projected,
				this.peaks,
				this.note,
			);
		} else if (kind === "be") {
			this.value = stat("Month peak", "pk-value", "big");
			this.time = stat("At", "pk-time");
			this.rolling = stat("12-month mean (billed)", "pk-rolling");
			this.fee = stat("Capacity fee", "pk-fee");
			this.monthsTable = el("div", { class: "scroll", id: "pk-months" });
			this.note = el("p", { class: "muted", id: "pk-note" });
			this.root.replaceChildren(
				el("div", { class: "stats" }, this.value.e, this.time.e),
				el("div", { class: "stats" }, this.rolling.e, this.fee.e),
				el("details", { class: "data" }, el("summary", { text: "The last 12 month peaks" }), this.monthsTable),
				this.note,
			);
		} else {
			this.maxHour = stat("Highest hour this month", "pk-max-hour");
			this.maxQuarter = stat("Highest quarter this month", "pk-max-quarter");
			this.root.replaceChildren(
				el("div", { class: "stats" }, this.maxHour.e, this.maxQuarter.e),
				el("p", {
					class: "muted",
					text: "No capacity tariff configured: capacity_tariff = no (Norway) or be (Belgium) in the meter's section.",
				}),
			);
		}
	}

	showNorway(no) {
		const zone = this.meter.timezone;
		setValue(this.value.value, kw(num(no.month_kw)), no.month_kw);
		this.value.note.textContent = `mean of ${no.peaks.length} of ${no.hours} hour${no.hours === 1 ? "" : "s"}${no.distinct_days ? " on different days" : ""}`;
		setValue(this.step.value, stepText(no.step), no.step ? no.step.index : undefined);
		this.step.note.textContent = no.step ? `step ${no.step.index + 1}` : "";
		const r = no.running;
		this.drawScale(no.step, r ? r.projected_step : null);
		if (r) {
			const minutes = Math.round(r.remaining_s / 60);
			const head =
				r.headroom_kwh === null
					? "the top step has no bound to stay under"
					: `${kwh(r.headroom_kwh, 2)} more may be used (${kw(r.headroom_kw)} on average for ${minutes} min) to stay in step ${stepText(r.step)}`;
			setValue(this.hour, `This hour: ${kwh(r.used_kwh, 2)} used; ${head}.`, r.headroom_kwh);
			const up = r.projected_step && no.step && r.projected_step.index > no.step.index;
			setValue(
				this.projected,
				`At the current ${kw(r.power_kw)} this hour ends at ${kwh(r.projected_hour_kwh, 2)}: month value ${kw(r.projected_kw)}, step ${stepText(r.projected_step)}.`,
				r.projected_kw,
			);
			this.projected.className = up ? "warning" : "";
		} else {
			setValue(this.hour, "No reading in this hour yet.");
			setValue(this.projected, "");
			this.projected.className = "";
		}
		this.peaks.replaceChildren(
			no.peaks.length === 0
				? el("p", { class: "muted", text: "No finished hour this month yet." })
				: figuresTable(
						["Counted hours", "kWh"],
						no.peaks.map((pk) => ({
							dataset: { start: pk.start },
							cells: [
								timeText(pk.start, zone) + (pk.estimated ? " (est.)" : ""),
								{ text: fixed(pk.kwh, 2), value: pk.kwh },
							],
						})),
					),
		);
		this.note.textContent = no.complete ? "" : "Fewer days with data than hours counted: the value so far, not a bill.";
	}

	// A box per step of the DSO's table (from the configuration), the current one
	// and the projected one marked.
	drawScale(step, projected) {
		const bounds = this.meter.thresholds_kw || [];
		const n = Math.max(bounds.length + 1, step ? step.index + 1 : 0, projected ? projected.index + 1 : 0);
		const spans = [];
		for (let i = 0; i < n; i++) {
			const cls = step && i === step.index ? "current" : projected && i === projected.index ? "projected" : "";
			const lo = i === 0 ? 0 : bounds[i - 1];
			spans.push(el("span", { class: cls, title: i < bounds.length ? `${lo}–${bounds[i]} kW` : `above ${lo} kW` }));
		}
		this.scale.replaceChildren(...spans);
	}

	showBelgium(be) {
		const zone = this.meter.timezone;
		const mp = be.month_peak;
		setValue(this.value.value, mp.kw !== null ? kw(mp.kw) : "none yet", mp.kw);
		this.value.note.textContent = mp.from_meter
			? "from the meter (1-0:1.6.0)"
			: mp.kw !== null
				? "from the quarters stored"
				: "";
		setValue(this.time.value, timeText(mp.time, zone));
		this.time.note.textContent = isNum(mp.diff_kw) ? `own quarters differ by ${fixed(mp.diff_kw, 3)} kW` : "";
		const rolling = be.rolling;
		setValue(this.rolling.value, kw(num(rolling.mean_kw)), rolling.mean_kw);
		this.rolling.note.textContent = `${rolling.months_with_data} month${rolling.months_with_data === 1 ? "" : "s"} with data, floor ${fixed(rolling.floor_kw, 1)} kW per ${rolling.floor_on}`;
		if (be.fee) {
			const cur = this.meter.currency ? " " + this.meter.currency : "";
			setValue(this.fee.value, `${fixed(be.fee.year, 2)}${cur} a year`, be.fee.year);
			this.fee.note.textContent = `${fixed(be.fee.month, 2)}${cur} a month at ${fixed(be.fee.per_kw_year, 2)}${cur} per kW and year`;
		} else {
			setValue(this.fee.value, "–");
			this.fee.note.textContent = "capacity_price_kw_year not configured";
		}
		this.monthsTable.replaceChildren(
			figuresTable(
				["Month", "Peak kW", "Counted kW", "From"],
				rolling.months.map((m) => ({
					cells: [m.month, { text: fixed(num(m.peak_kw), 3), value: m.peak_kw }, fixed(num(m.counted_kw), 3), m.source],
				})),
			),
		);
		const q = be.running_quarter;
		this.note.textContent = "";
		if (!q) return { quarterKwh: null, projectedKw: null, monthPeakKw: num(mp.kw) };
		return {
			quarterKwh: q.kwh,
			projectedKw: q.projected_kw,
			monthPeakKw: num(mp.kw),
			above: q.warning,
			fromMeter: q.from_meter,
		};
	}

	showNone(p) {
		const zone = this.meter.timezone;
		const h = p.max_hour;
		setValue(this.maxHour.value, h ? kwh(h.kwh, 2) : "none yet", h ? h.kwh : undefined);
		this.maxHour.note.textContent = h ? timeText(h.start, zone) : "";
		const q = p.max_quarter;
		setValue(this.maxQuarter.value, q ? kw(q.kw) : "none yet", q ? q.kw : undefined);
		this.maxQuarter.note.textContent = q ? timeText(q.start, zone) : "";
	}
}
