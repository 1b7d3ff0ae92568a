// Number and time formatting: fixed decimals, not the browser's locale, so the same
// reading reads the same on every phone (and the browser test can predict it).

export const NONE = "–";

export function isNum(v) {
	return typeof v === "number" && Number.isFinite(v);
}

export function fixed(v, decimals) {
	return isNum(v) ? v.toFixed(decimals) : NONE;
}

// 712 W, 1.24 kW, 12.4 kW.
export function power(w) {
	if (!isNum(w)) return NONE;
	const a = Math.abs(w);
	if (a < 1000) return w.toFixed(0) + " W";
	return (w / 1000).toFixed(a < 10000 ? 2 : 1) + " kW";
}

// An axis tick: at most 3 decimals and no trailing zeros (Chart.js's steps carry
// float noise: 1.2000000000000002 reads 1.2). The charts ask for steps of 0.001
// or more (ticks.precision 3), so no two ticks read alike.
export const TICK_DECIMALS = 3;

export function tick(v) {
	return isNum(v) ? String(Number(v.toFixed(TICK_DECIMALS))) : "";
}

export function kw(v, decimals = 2) {
	return isNum(v) ? v.toFixed(decimals) + " kW" : NONE;
}

export function kwh(v, decimals = 2) {
	return isNum(v) ? v.toFixed(decimals) + " kWh" : NONE;
}

export function money(v, currency) {
	if (!isNum(v)) return NONE;
	return v.toFixed(2) + (currency ? " " + currency : "");
}

// Prices have more decimals: 1.2345 NOK/kWh.
export function price(v, currency) {
	if (!isNum(v)) return NONE;
	return v.toFixed(Math.abs(v) >= 10 ? 2 : 4) + (currency ? " " + currency + "/kWh" : "");
}

export function volts(v) {
	return isNum(v) ? v.toFixed(1) + " V" : NONE;
}

export function amps(v) {
	return isNum(v) ? v.toFixed(2) + " A" : NONE;
}

// 0.4 s, 12 s, 3 min, 2 h 5 min, 3 d.
export function age(s) {
	if (!isNum(s)) return NONE;
	if (s < 10) return s.toFixed(1) + " s";
	if (s < 60) return s.toFixed(0) + " s";
	if (s < 3600) return Math.floor(s / 60) + " min";
	if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
	return Math.floor(s / 86400) + " d";
}

export function count(v) {
	return isNum(v) ? String(Math.round(v)) : NONE;
}
