// The dashboard: a meter selector, the status bar and the widgets of the selected
// meter, kept live by one poll loop (poll.js: at most one request a second, also
// at load and on a meter switch).

import { getJSON, meterPath, failure } from "./api.js";
import { byId, el } from "./dom.js";
import { Poller } from "./poll.js";
import { setupThemeToggle } from "./theme.js";
import { MergedReading } from "./reading.js";
import { StatusBar } from "./status.js";
import { PowerCard } from "./power.js";
import { PhasesCard } from "./phases.js";
import { PeriodCard, RunningCard } from "./periods.js";
import { PeaksCard } from "./peaks.js";
import { QuarterCard } from "./quarter.js";
import { PricesCard } from "./prices.js";
import { HistoryCard } from "./history.js";

const STORAGE_KEY = "hanp1d-meter";

// How often each widget wants fresh data (ms); the loop serves one a second.
// Infinity: once, at the first view of a meter.
const PERIOD = {
	now: 2000,
	status: 5000,
	quarter: Infinity,
	peaks: 10000,
	hours: 15000,
	days: 60000,
	months: 120000,
	prices: 300000,
	history: Infinity,
};

const poller = new Poller();
let meters = [];
let meter = null;
let generation = 0;
let merged = new MergedReading();
let lastPeaks = null;
let w = null;

function createWidgets() {
	const history = new HistoryCard(byId("history"), { peaks: () => lastPeaks });
	const running = new RunningCard(byId("running"));
	const peaks = new PeaksCard(byId("peaks"));
	const onData = (which, answer, now) => running.update(which, answer, now);
	const onPick = (which, bucket) => history.openBucket(which, bucket);
	return {
		status: new StatusBar(byId("status")),
		power: new PowerCard(byId("power")),
		phases: new PhasesCard(byId("phases")),
		running,
		peaks,
		quarter: new QuarterCard(byId("quarter")),
		prices: new PricesCard(byId("prices")),
		day: new PeriodCard(byId("day"), "day", { onPick, onData }),
		month: new PeriodCard(byId("month"), "month", { onPick, onData }),
		year: new PeriodCard(byId("year"), "year", { onPick, onData }),
		history,
	};
}

function showNow(answer) {
	if (answer.ok && answer.body && answer.body.reading) {
		if (merged.add(answer.body)) {
			w.power.update(merged);
			w.phases.update(merged);
			const p = merged.get("power_import_w");
			if (p && p.time === answer.body.time) w.quarter.addSample(p.t, p.v);
		}
		w.quarter.render();
		w.power.showProblem(answer.body.stale ? `The latest reading is ${Math.round(answer.body.age_s)} s old.` : "");
		return;
	}
	// No reading yet (503) or the daemon is gone: say why where the gauges are.
	const why = answer.body && answer.body.probable_cause ? answer.body.probable_cause : failure(answer);
	w.power.showProblem("No reading: " + why);
	byId("power").dataset.state = "waiting";
}

// From the configuration (a /config answer): each meter's Norwegian step table
// (the peak widget draws the steps) and the currency (of the Belgian capacity
// fee). Without /config the widgets do without.
function addConfig(list, a) {
	if (!a.ok || !a.body || !Array.isArray(a.body.sections)) return;
	const prices = a.body.sections.find((s) => s.section === "prices");
	for (const s of a.body.sections) {
		const m = s.section === "meter" ? list.find((x) => x.name === s.name) : null;
		if (!m) continue;
		const text = s.values.capacity_thresholds;
		if (text) m.thresholds_kw = text.split(",").map(Number).filter(Number.isFinite);
		if (prices && prices.values.currency) m.currency = prices.values.currency;
	}
}

function pickInitialMeter() {
	const url = new URLSearchParams(location.search).get("meter");
	let saved = null;
	try {
		saved = localStorage.getItem(STORAGE_KEY);
	} catch {
		/* storage blocked */
	}
	for (const name of [url, saved]) if (name && meters.some((m) => m.name === name)) return name;
	return meters[0].name;
}

async function selectMeter(name) {
	const gen = ++generation;
	const isCurrent = () => gen === generation;
	meter = meters.find((m) => m.name === name);
	byId("meter").value = name;
	try {
		localStorage.setItem(STORAGE_KEY, name);
	} catch {
		/* storage blocked */
	}
	const url = new URL(location.href);
	url.searchParams.set("meter", name);
	history.replaceState(null, "", url);
	byId("info-link").href = "info.html?meter=" + encodeURIComponent(name);
	document.title = `hanp1d · ${name}`;
	merged = new MergedReading();
	lastPeaks = null;
	for (const x of Object.values(w)) if (x.setMeter) x.setMeter(meter);

	// The tasks in the order the first view fills them: what is live first.
	poller.clear();
	poller.set("now", PERIOD.now, async () => {
		const a = await getJSON(meterPath(name, "now"));
		if (isCurrent()) showNow(a);
	});
	poller.set("status", PERIOD.status, async () => {
		const a = await getJSON("status");
		if (isCurrent()) w.status.update(a, name);
	});
	// The quarter's readings so far, which also fill in values the latest
	// reading lacks (short lists).
	poller.set("quarter", PERIOD.quarter, async () => {
		const rows = await w.quarter.backfill(isCurrent);
		if (!isCurrent() || rows.length === 0) return;
		for (const row of rows) merged.addRow(row);
		w.power.update(merged);
		w.phases.update(merged);
	});
	poller.set("peaks", PERIOD.peaks, async () => {
		const a = await getJSON(meterPath(name, "peaks"));
		if (!isCurrent()) return;
		lastPeaks = a.ok ? a.body : null;
		w.quarter.setApi(w.peaks.update(a));
		w.quarter.render();
	});
	poller.set("hours", PERIOD.hours, () => w.day.refresh(isCurrent));
	poller.set("days", PERIOD.days, () => w.month.refresh(isCurrent));
	poller.set("months", PERIOD.months, () => w.year.refresh(isCurrent));
	poller.set("prices", PERIOD.prices, () => w.prices.refresh(isCurrent));
	poller.set("history", PERIOD.history, () => w.history.load());
	await poller.load();
	// Every widget has had its first answer.
	if (isCurrent()) document.body.dataset.meter = name;
}

async function main() {
	setupThemeToggle(byId("theme-toggle"));
	w = createWidgets();
	poller.start();
	const [list, config] = await Promise.all([getJSON("meters"), getJSON("config")]);
	if (!list.ok || !Array.isArray(list.body) || list.body.length === 0) {
		const p = byId("no-meters");
		p.textContent = list.ok
			? "No meter is configured: add a [meter NAME] section to hanp1d.conf."
			: "Cannot list the meters: " + failure(list);
		p.classList.remove("hidden");
		byId("widgets").classList.add("hidden");
		w.status.update(list.ok ? { ok: true, body: { meters: [] } } : list, "");
		return;
	}
	meters = list.body;
	addConfig(meters, config);
	const select = byId("meter");
	select.replaceChildren(...meters.map((m) => el("option", { value: m.name, text: m.name })));
	byId("meter-picker").classList.toggle("hidden", meters.length < 2);
	select.addEventListener("change", () => selectMeter(select.value));
	await selectMeter(pickInitialMeter());
	// A hidden tab asks nothing; back in view, it catches up at once.
	document.addEventListener("visibilitychange", () => {
		if (document.hidden) poller.stop();
		else {
			poller.kick("now");
			poller.kick("status");
			poller.start();
		}
	});
}

main();
