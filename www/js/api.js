// Every request the pages make goes through here, and waits its turn at the gate
// (poll.js: at most one a second). URLs are relative, so the pages work below any
// [http] prefix (a reverse proxy's /hanp1d/). Nothing here throws: an answer is
// {ok, status, body}, with status 0 when the daemon cannot be reached, so a widget
// whose endpoint is missing (404) shows "not available" instead.

import { gate } from "./poll.js";

const ROOT = "api/v1/";

export function apiUrl(path, params = {}) {
	const query = new URLSearchParams();
	for (const [key, value] of Object.entries(params)) {
		if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
	}
	const text = query.toString();
	return ROOT + path + (text ? "?" + text : "");
}

export function meterPath(name, what) {
	return `meters/${encodeURIComponent(name)}/${what}`;
}

// urgent: the request answers a click, so it goes before the poll loop's.
export async function getJSON(path, params, { urgent = false } = {}) {
	const url = apiUrl(path, params);
	const done = await gate.enter(urgent);
	try {
		const res = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
		let body = null;
		try {
			body = await res.json();
		} catch {
			body = null;
		}
		return { ok: res.ok, status: res.status, body, url };
	} catch (err) {
		return { ok: false, status: 0, body: null, url, error: String(err && err.message ? err.message : err) };
	} finally {
		done();
	}
}

// Why an answer is not usable, in words for a widget.
export function failure(answer) {
	if (answer.status === 0) return "the daemon cannot be reached";
	if (answer.status === 404 && answer.body && answer.body.error === "no such endpoint")
		return "not available in this version of hanp1d";
	if (answer.body && answer.body.error) {
		const cause = answer.body.probable_cause || answer.body.detail;
		return answer.body.error + (cause ? ": " + cause : "");
	}
	return "HTTP " + answer.status;
}

// True when the daemon does not have the endpoint at all (as opposed to an
// unknown meter or a bad parameter).
export function missingEndpoint(answer) {
	return answer.status === 404 && !(answer.body && answer.body.error === "unknown meter");
}

// Epoch seconds, as the API's from and to take them.
export function epochParam(ms) {
	return String(Math.floor(ms / 1000));
}
