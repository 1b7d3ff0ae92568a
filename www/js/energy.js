// Energy per bucket (15 minutes, hour, day, month) with cost and income, from
// /meters/NAME/energy. A daemon without that endpoint still has the buckets in
// /history (energy only); the answer then says cost is unknown.

import { getJSON, meterPath, missingEndpoint, failure } from "./api.js";

let energyMissing = false;

function number(v) {
	return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function bucket(b) {
	return {
		start: b.start,
		end: b.end,
		start_ms: number(b.start_ms) ?? Date.parse(b.start),
		end_ms: number(b.end_ms) ?? Date.parse(b.end),
		import_kwh: number(b.import_kwh),
		export_kwh: number(b.export_kwh),
		cost: number(b.cost),
		income: number(b.income),
		mean_price: number(b.mean_price),
		max_power_w: number(b.max_power_w),
		gap: Boolean(b.gap),
		estimated: Boolean(b.estimated),
	};
}

// {ok, buckets, currency, total, source: "energy" | "history"} or {ok: false, why}.
// opts: getJSON's ({urgent}).
export async function fetchEnergy(meter, period, from, to, opts) {
	if (!energyMissing) {
		const a = await getJSON(meterPath(meter, "energy"), { period, from, to }, opts);
		if (a.ok && a.body && Array.isArray(a.body.buckets)) {
			return {
				ok: true,
				source: "energy",
				currency: a.body.currency || null,
				buckets: a.body.buckets.map(bucket),
				total: a.body.total || null,
			};
		}
		if (!missingEndpoint(a)) return { ok: false, why: failure(a) };
		energyMissing = true;
	}
	const h = await getJSON(meterPath(meter, "history"), { resolution: period, from, to }, opts);
	if (!h.ok || !Array.isArray(h.body)) return { ok: false, why: failure(h) };
	return { ok: true, source: "history", currency: null, buckets: h.body.map(bucket), total: null };
}

// The bucket holding ms, or null.
export function bucketAt(buckets, ms) {
	for (const b of buckets) if (b.start_ms <= ms && ms < b.end_ms) return b;
	return null;
}

export function sum(buckets, key) {
	let total = 0;
	let any = false;
	for (const b of buckets) {
		if (typeof b[key] === "number") {
			total += b[key];
			any = true;
		}
	}
	return any ? total : null;
}
