// The status bar: the meter's source state, the age of its last frame, MQTT, the
// decoder's error counters and, when something went wrong, the probable cause in
// plain words (all from /api/v1/status).

import { el, setValue } from "./dom.js";
import { age, count } from "./format.js";

const SOURCE_LEVEL = {
	running: "ok",
	starting: "warn",
	detecting: "warn",
	retrying: "alarm",
	finished: "warn",
	stopped: "alarm",
};

const MQTT_LEVEL = { connected: "ok", connecting: "warn", disconnected: "alarm", disabled: "" };

function chip(id, label) {
	const value = el("span", { class: "value num", id });
	const e = el("span", { class: "chip" }, el("span", { class: "label", text: label }), value);
	return { chip: e, value };
}

export class StatusBar {
	constructor(root) {
		this.root = root;
		this.source = chip("st-source", "Source");
		this.age = chip("st-age", "Last frame");
		this.mqtt = chip("st-mqtt", "MQTT");
		this.errors = chip("st-errors", "Errors");
		this.cause = el("p", { class: "cause hidden", id: "st-cause", role: "status" });
		root.replaceChildren(this.source.chip, this.age.chip, this.mqtt.chip, this.errors.chip, this.cause);
	}

	// answer: the /status getJSON result; meter: the selected meter's name.
	update(answer, meter) {
		if (!answer.ok || !answer.body) {
			this.level(this.source, "alarm");
			setValue(this.source.value, answer.status === 0 ? "daemon unreachable" : "status unavailable");
			this.root.dataset.state = "error";
			return;
		}
		const s = answer.body;
		const m = (s.meters || []).find((x) => x.name === meter);
		if (!m) {
			setValue(this.source.value, "unknown meter");
			this.level(this.source, "alarm");
			return;
		}
		setValue(this.source.value, m.source.state);
		this.level(this.source, SOURCE_LEVEL[m.source.state] || "");
		const a = m.last_reading_age_s;
		setValue(this.age.value, a === null ? "none yet" : age(a) + " ago", a);
		this.level(this.age, a === null ? "alarm" : a > 30 ? "alarm" : a > 15 ? "warn" : "ok");
		const mq = s.mqtt || { state: "disabled" };
		setValue(this.mqtt.value, mq.state);
		this.level(this.mqtt, MQTT_LEVEL[mq.state] ?? "");
		this.mqtt.chip.title = mq.last_error || mq.broker || "";
		const entries = Object.entries(m.errors || {});
		const total = entries.reduce((n, [, v]) => n + v, 0);
		const nonzero = entries.filter(([, v]) => v > 0).map(([k, v]) => `${k} ${count(v)}`);
		setValue(this.errors.value, total === 0 ? "none" : `${count(total)} (${nonzero.join(", ")})`, total);
		this.level(this.errors, total === 0 ? "ok" : m.last_error && m.last_error.age_s < 60 ? "alarm" : "warn");
		this.showCause(m, mq);
		this.root.dataset.state = "ready";
	}

	// The most pressing explanation: the decoder's last error while it is recent,
	// else the source's complaint, else MQTT's.
	showCause(m, mq) {
		let text = "";
		let alarm = false;
		if (m.last_error && (m.last_error.age_s < 300 || m.readings === 0)) {
			text = `Last error ${age(m.last_error.age_s)} ago (${m.last_error.error}): ${m.last_error.probable_cause}`;
			alarm = m.last_error.age_s < 60;
		} else if (m.source.detail) {
			text = "Source: " + m.source.detail;
			alarm = m.source.state !== "running";
		} else if (mq.state !== "connected" && mq.state !== "disabled" && mq.last_error) {
			text = "MQTT: " + mq.last_error;
		}
		this.cause.textContent = text;
		this.cause.classList.toggle("hidden", text === "");
		this.cause.classList.toggle("alarm", alarm);
	}

	level(c, level) {
		c.chip.className = "chip" + (level ? " " + level : "");
	}
}
