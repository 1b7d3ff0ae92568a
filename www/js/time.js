// Local time of a meter: its days, hours and month follow the meter's zone (the
// /meters answer's timezone), not the browser's. Intl does the zone arithmetic;
// without a zone name the browser's own zone is used.

const formatters = new Map();

function formatter(zone) {
	const key = zone || "";
	let f = formatters.get(key);
	if (!f) {
		const options = {
			year: "numeric",
			month: "2-digit",
			day: "2-digit",
			hour: "2-digit",
			minute: "2-digit",
			second: "2-digit",
			hourCycle: "h23",
		};
		try {
			f = new Intl.DateTimeFormat("en-GB", zone ? { ...options, timeZone: zone } : options);
		} catch {
			f = new Intl.DateTimeFormat("en-GB", options);
		}
		formatters.set(key, f);
	}
	return f;
}

// {year, month, day, hour, minute, second} (numbers) of ms in zone.
export function parts(ms, zone) {
	const out = {};
	for (const p of formatter(zone).formatToParts(new Date(ms))) {
		if (p.type !== "literal") out[p.type] = Number(p.value);
	}
	return out;
}

const pad = (n) => String(n).padStart(2, "0");

export function dateText(ms, zone) {
	const p = parts(ms, zone);
	return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function monthText(ms, zone) {
	const p = parts(ms, zone);
	return `${p.year}-${pad(p.month)}`;
}

export function clockText(ms, zone) {
	const p = parts(ms, zone);
	return `${pad(p.hour)}:${pad(p.minute)}`;
}

export function clockSecondsText(ms, zone) {
	const p = parts(ms, zone);
	return `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

export function dateTimeText(ms, zone) {
	return dateText(ms, zone) + " " + clockText(ms, zone);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function monthName(month) {
	return MONTHS[month - 1];
}

// Calendar arithmetic on "YYYY-MM-DD" and "YYYY-MM" texts (no zone involved).
export function addDays(date, n) {
	const [y, m, d] = date.split("-").map(Number);
	const t = new Date(Date.UTC(y, m - 1, d + n));
	return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function addMonths(month, n) {
	const [y, m] = month.split("-").map(Number);
	const t = new Date(Date.UTC(y, m - 1 + n, 1));
	return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}`;
}

export function daysBetween(a, b) {
	const ms = (s) => Date.UTC(...s.split("-").map((v, i) => Number(v) - (i === 1 ? 1 : 0)));
	return Math.round((ms(b) - ms(a)) / 86400000);
}

// "YYYY-MM-DDTHH:00", a local date-time as the API's from and to take it.
export function hourParam(date, hour) {
	return `${date}T${pad(hour)}:00`;
}
