// The info page: each meter's identity, installation, serial settings (baud and
// parity, detected or configured) and decoder statistics; the software, history
// database and MQTT; the configuration with secrets masked; downloads of the
// configuration and of history as CSV. Kept live by one poll loop.

import { getJSON, apiUrl, meterPath, failure } from "./api.js";
import { byId, el, setValue, unavailable } from "./dom.js";
import { age, count, fixed } from "./format.js";
import { Poller } from "./poll.js";
import { setupThemeToggle } from "./theme.js";
import { MergedReading } from "./reading.js";
import { dateText, addDays } from "./time.js";

const poller = new Poller();
const merged = new Map();
const cards = new Map();

// A <dl> row: the value element, by id, so updates touch only the text.
function kv(dl, label, id) {
	let dd = byId(id);
	if (!dd) {
		dd = el("dd", { id, class: "num" });
		dl.append(el("dt", { text: label }), dd);
	}
	return dd;
}

function put(dl, label, id, text, value) {
	setValue(kv(dl, label, id), text === undefined || text === null || text === "" ? "–" : String(text), value);
}

function meterCard(m) {
	const id = (what) => `${what}-${m.name}`;
	const identity = el("dl", { class: "kv", id: id("identity") });
	const source = el("dl", { class: "kv", id: id("source") });
	const decoder = el("dl", { class: "kv", id: id("decoder") });
	const errors = el("div", { id: id("errors") });
	const section = el(
		"section",
		{ class: "card full", dataset: { meter: m.name } },
		el("h2", { text: `Meter ${m.name}` }),
		el(
			"div",
			{ class: "meter-info" },
			el("div", {}, el("h3", { text: "Identity and installation" }), identity),
			el("div", {}, el("h3", { text: "Source and serial line" }), source),
			el("div", {}, el("h3", { text: "Decoder" }), decoder),
			el("div", {}, el("h3", { text: "Frames with errors" }), errors),
		),
	);
	byId("meters").append(section);
	return { identity, source, decoder, errors };
}

function showIdentity(m) {
	const c = cards.get(m.name);
	const r = merged.get(m.name);
	const v = (key, fallback) => (r && r.value(key) !== undefined ? r.value(key) : fallback);
	const p = (label, key, text) => put(c.identity, label, `${key}-${m.name}`, text);
	p("Manufacturer", "manufacturer", v("manufacturer", m.manufacturer));
	p("Model", "model", v("meter_model", m.meter_model));
	p("Meter id", "meter-id", v("meter_id", m.meter_id));
	p("Protocol", "protocol", [v("protocol", m.protocol), v("framing")].filter(Boolean).join(" / "));
	p("List / version", "list", v("list_id") || (v("dsmr_version") ? "DSMR " + v("dsmr_version") : ""));
	p("Encrypted", "encrypted", v("encrypted") === undefined ? "" : v("encrypted") ? "yes" : "no");
	p("Main fuse", "fuse", m.main_fuse_a ? `${m.main_fuse_a} A` : "not configured");
	p("Grid", "grid", `${m.voltage} V, ${m.phases} phase${m.phases === 1 ? "" : "s"}`);
	p("Production", "production", m.production_kwp > 0 ? `${m.production_kwp} kWp` : "none");
	p(
		"Capacity tariff",
		"capacity",
		{ no: "Norway (capacity step)", be: "Belgium (quarter-hour peak)", none: "none" }[m.capacity_tariff] ||
			m.capacity_tariff,
	);
	p("Time zone", "zone", m.timezone || "the system's");
}

function showStatus(answer, meters) {
	if (!answer.ok || !answer.body) {
		put(byId("software"), "Daemon", "sw-state", failure(answer));
		return;
	}
	const s = answer.body;
	const sw = byId("software");
	put(sw, "Version", "sw-version", s.version);
	put(sw, "Uptime", "sw-uptime", age(s.uptime_s), s.uptime_s);
	put(sw, "Meters", "sw-meters", meters.length);
	if (s.prices)
		put(sw, "Pushed prices", "sw-prices", s.prices.points > 0 ? `${s.prices.points} until ${s.prices.until}` : "none");
	const st = byId("store");
	put(st, "Size", "store-size", `${fixed(s.store.size_bytes / 1048576, 2)} MiB`, s.store.size_bytes);
	put(st, "Raw rows written", "store-rows", count(s.store.rows), s.store.rows);
	put(st, "Commits", "store-commits", count(s.store.commits), s.store.commits);
	put(st, "Failures", "store-failures", count(s.store.failures), s.store.failures);
	put(st, "Last error", "store-error", s.store.last_error || "none");
	const mq = s.mqtt || { state: "disabled" };
	const q = byId("mqtt");
	put(q, "State", "mqtt-state", mq.state);
	if (mq.state !== "disabled") {
		put(q, "Broker", "mqtt-broker", `${mq.broker}${mq.tls ? " (TLS)" : ""}`);
		put(q, "Published", "mqtt-published", count(mq.published), mq.published);
		put(q, "Dropped", "mqtt-dropped", count(mq.dropped), mq.dropped);
		put(q, "Queued", "mqtt-queued", count(mq.queued), mq.queued);
		put(q, "Connects", "mqtt-connects", count(mq.connects), mq.connects);
		put(q, "Last connect", "mqtt-last-connect", mq.last_connect || "never");
		put(q, "Last error", "mqtt-error", mq.last_error || "none");
	}
	for (const m of s.meters) {
		const c = cards.get(m.name);
		if (!c) continue;
		const n = m.name;
		const src = m.source;
		put(c.source, "State", `src-state-${n}`, src.state);
		put(
			c.source,
			"Baud",
			`src-baud-${n}`,
			src.baud === null ? "not known yet" : `${src.baud}${src.detected ? " (detected)" : ""}`,
			src.baud,
		);
		put(c.source, "Parity", `src-parity-${n}`, `${src.parity}${src.detected ? " (detected)" : ""}`);
		put(
			c.source,
			"Detected",
			`src-detected-${n}`,
			src.detected ? "yes: baud and parity found by listening" : "no: as configured (or not a serial line)",
		);
		put(c.source, "Bytes received", `src-bytes-${n}`, count(src.bytes), src.bytes);
		put(c.source, "Reconnects", `src-reconnects-${n}`, count(src.reconnects), src.reconnects);
		put(
			c.source,
			"Last byte",
			`src-last-${n}`,
			src.last_byte_age_s === null ? "never" : age(src.last_byte_age_s) + " ago",
			src.last_byte_age_s,
		);
		put(c.source, "Problem", `src-detail-${n}`, src.detail || "none");
		put(c.decoder, "Frames", `dec-frames-${n}`, count(m.frames), m.frames);
		put(c.decoder, "Readings", `dec-readings-${n}`, count(m.readings), m.readings);
		put(
			c.decoder,
			"Last reading",
			`dec-last-${n}`,
			m.last_reading_age_s === null ? "none yet" : age(m.last_reading_age_s) + " ago",
			m.last_reading_age_s,
		);
		put(c.decoder, "Garbage bytes", `dec-garbage-${n}`, count(m.garbage_bytes), m.garbage_bytes);
		put(c.decoder, "Ring overflow (bytes)", `dec-dropped-${n}`, count(m.ring_dropped), m.ring_dropped);
		put(c.decoder, "Other APDUs", `dec-ignored-${n}`, count(m.ignored_apdus), m.ignored_apdus);
		put(c.decoder, "Unauthenticated", `dec-unauth-${n}`, count(m.unauthenticated), m.unauthenticated);
		put(c.decoder, "System title", `dec-title-${n}`, m.system_title || "–");
		put(
			c.decoder,
			"Invocation counter",
			`dec-ic-${n}`,
			m.invocation_counter === null ? "–" : count(m.invocation_counter),
			m.invocation_counter,
		);
		put(
			c.decoder,
			"Last error",
			`dec-error-${n}`,
			m.last_error ? `${m.last_error.error} ${age(m.last_error.age_s)} ago: ${m.last_error.probable_cause}` : "none",
		);
		const rows = Object.entries(m.errors).map(([code, v]) =>
			el(
				"tr",
				{},
				el("th", { scope: "row", text: code }),
				el("td", { id: `err-${code}-${n}`, text: count(v), dataset: { value: String(v) } }),
			),
		);
		c.errors.replaceChildren(
			el(
				"table",
				{ class: "figures" },
				el("thead", {}, el("tr", {}, el("th", { text: "Error" }), el("th", { text: "Frames" }))),
				el("tbody", {}, rows),
			),
		);
	}
	document.body.dataset.status = "ready";
}

// The configuration as the file would say it; masked secrets stay commented out,
// so the downloaded file still loads (and asks for them).
export function configText(cfg) {
	const lines = [
		`# hanp1d configuration from ${cfg.file}`,
		`# Secrets are masked: a line "# key = ${cfg.masked}" was set.`,
		"",
	];
	for (const s of cfg.sections) {
		lines.push(`[${s.section}${s.name ? " " + s.name : ""}]`);
		for (const [key, value] of Object.entries(s.values)) {
			lines.push(value === cfg.masked ? `# ${key} = ${value}` : `${key} = ${value}`);
		}
		lines.push("");
	}
	return lines.join("\n");
}

async function showConfig() {
	const a = await getJSON("config");
	const pre = byId("cfg-ini");
	if (!a.ok || !a.body) {
		pre.textContent = "The configuration is not available: " + failure(a);
		byId("cfg-download").classList.add("hidden");
		return;
	}
	const text = configText(a.body);
	pre.textContent = text;
	byId("cfg-file").textContent = a.body.file;
	byId("cfg-mask").textContent = a.body.masked;
	const link = byId("cfg-download");
	link.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
	document.body.dataset.config = "ready";
}

function setupCsv(meters) {
	const select = byId("csv-meter");
	select.replaceChildren(...meters.map((m) => el("option", { value: m.name, text: m.name })));
	const wanted = new URLSearchParams(location.search).get("meter");
	if (wanted && meters.some((m) => m.name === wanted)) select.value = wanted;
	const today = dateText(Date.now(), meters[0].timezone);
	byId("csv-from").value = addDays(today, -6);
	byId("csv-to").value = today;
	const update = () => {
		const from = byId("csv-from").value;
		const to = byId("csv-to").value;
		const res = byId("csv-res").value;
		const link = byId("csv-link");
		link.href = apiUrl(meterPath(select.value, "history.csv"), { resolution: res, from, to: to ? addDays(to, 1) : "" });
		link.setAttribute("download", `${select.value}-${from}-${to}-${res}.csv`);
	};
	for (const id of ["csv-meter", "csv-res", "csv-from", "csv-to"]) byId(id).addEventListener("change", update);
	update();
}

async function main() {
	setupThemeToggle(byId("theme-toggle"));
	const list = await getJSON("meters");
	if (!list.ok || !Array.isArray(list.body)) {
		unavailable(byId("meters"), "Cannot list the meters: " + failure(list));
		return;
	}
	const meters = list.body;
	const wanted = new URLSearchParams(location.search).get("meter");
	if (wanted) byId("dash-link").href = "./?meter=" + encodeURIComponent(wanted);
	poller.set("status", 3000, async () => showStatus(await getJSON("status"), meters));
	for (const m of meters) {
		cards.set(m.name, meterCard(m));
		merged.set(m.name, new MergedReading());
		showIdentity(m);
		// /now is asked for the identity alone, which does not change: as often as
		// the loop allows until the meter's id has come (some meters send it in a
		// list every 10 s only), then rarely.
		const known = () => merged.get(m.name).value("meter_id") !== undefined;
		poller.set(
			"now-" + m.name,
			() => (known() ? 60000 : 1000),
			async () => {
				const a = await getJSON(meterPath(m.name, "now"));
				if (a.ok && merged.get(m.name).add(a.body)) showIdentity(m);
			},
		);
	}
	if (meters.length > 0) setupCsv(meters);
	poller.start();
	await Promise.all([poller.load(), showConfig()]);
	document.addEventListener("visibilitychange", () => (document.hidden ? poller.stop() : poller.start()));
}

main();
