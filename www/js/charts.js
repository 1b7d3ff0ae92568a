// Charts with Chart.js from the daemon's /vendor/ (Debian's libjs-chart.js; [http]
// vendor_dir). Loaded on first use as a classic script; the file name differs
// between Chart.js 3 (Debian 12: chart.min.js) and 4 (chart.umd.js). Without
// Chart.js every chart says so and the tables beside them still have the figures.

import { el } from "./dom.js";
import { cssColor } from "./theme.js";
import { tick, TICK_DECIMALS } from "./format.js";

const VENDOR = "vendor/chart.js/";
const CANDIDATES = ["chart.min.js", "chart.umd.min.js", "chart.umd.js", "chart.js"];

let loading = null;

function addScript(src) {
	return new Promise((resolve) => {
		const s = document.createElement("script");
		s.src = src;
		s.onload = () => resolve(true);
		s.onerror = () => {
			s.remove();
			resolve(false);
		};
		document.head.append(s);
	});
}

export function loadChart() {
	if (window.Chart) return Promise.resolve(window.Chart);
	if (!loading) {
		loading = (async () => {
			for (const file of CANDIDATES) {
				if ((await addScript(VENDOR + file)) && window.Chart) return window.Chart;
			}
			return null;
		})();
	}
	return loading;
}

export function colors() {
	return {
		import: cssColor("--import"),
		importSoft: cssColor("--import-soft"),
		export: cssColor("--export"),
		exportSoft: cssColor("--export-soft"),
		peak: cssColor("--peak"),
		accent: cssColor("--accent"),
		warn: cssColor("--warn"),
		alarm: cssColor("--alarm"),
		text: cssColor("--text"),
		muted: cssColor("--muted"),
		grid: cssColor("--grid"),
	};
}

const views = new Set();

window.addEventListener("hanp1d-theme", () => {
	for (const v of views) v.redraw();
});

// One chart in a box. show(build) takes a function from the theme colours to a
// Chart.js configuration; it is called again when the theme changes.
export class ChartView {
	constructor(box) {
		this.box = box;
		this.chart = null;
		this.build = null;
		views.add(this);
	}

	async show(build) {
		this.build = build;
		const Chart = await loadChart();
		if (!Chart) {
			this.box.replaceChildren(
				el("p", {
					class: "unavailable",
					text: "Charts need Chart.js (Debian package libjs-chart.js) under /vendor/; the table has the figures.",
				}),
			);
			return;
		}
		this.draw(Chart);
	}

	redraw() {
		if (this.build && window.Chart) this.draw(window.Chart);
	}

	draw(Chart) {
		const config = this.build(colors());
		config.options = { ...baseOptions(), ...config.options };
		if (this.chart && this.chart.config.type === config.type) {
			this.chart.data = config.data;
			this.chart.options = config.options;
			this.chart.update("none");
			return;
		}
		if (this.chart) this.chart.destroy();
		const canvas = el("canvas", { role: "img", "aria-label": this.box.dataset.label || "chart" });
		this.box.replaceChildren(canvas);
		this.chart = new Chart(canvas, config);
	}
}

function baseOptions() {
	return {
		responsive: true,
		maintainAspectRatio: false,
		animation: false,
		plugins: { legend: { display: false } },
	};
}

// Scales with the theme's colours; y ticks show absolute values (export bars
// point down but are not negative energy), with at most 3 decimals.
export function axes(c, { yTitle, absolute = true, stacked = true, xTicks = {} } = {}) {
	return {
		x: {
			stacked,
			grid: { display: false },
			ticks: { color: c.muted, maxRotation: 0, autoSkipPadding: 8, ...xTicks },
		},
		y: {
			stacked,
			grid: { color: c.grid },
			ticks: {
				color: c.muted,
				precision: TICK_DECIMALS,
				callback: (v) => tick(absolute ? Math.abs(v) : v),
			},
			title: yTitle ? { display: true, text: yTitle, color: c.muted } : undefined,
		},
	};
}

// Import up, export down, one bar pair per bucket; highlight: the index drawn in
// the peak colour. onPick(index) is called when a bar is clicked.
export function energyBars(c, { labels, imports, exports, highlight = -1, onPick, tooltipTitle }) {
	return {
		type: "bar",
		data: {
			labels,
			datasets: [
				{
					label: "Import",
					data: imports,
					backgroundColor: imports.map((_, i) => (i === highlight ? c.peak : c.import)),
					borderRadius: 2,
				},
				{
					label: "Export",
					data: exports.map((v) => (Number.isFinite(v) ? -v : v)),
					backgroundColor: c.export,
					borderRadius: 2,
				},
			],
		},
		options: {
			scales: axes(c, { yTitle: "kWh" }),
			onClick: onPick
				? (_event, elements) => {
						if (elements.length > 0) onPick(elements[0].index);
					}
				: undefined,
			onHover: onPick
				? (event, elements) => {
						event.native.target.style.cursor = elements.length > 0 ? "pointer" : "default";
					}
				: undefined,
			plugins: {
				legend: { display: false },
				tooltip: {
					callbacks: {
						title: tooltipTitle ? (items) => tooltipTitle(items[0].dataIndex) : undefined,
						label: (item) => `${item.dataset.label}: ${Math.abs(item.parsed.y).toFixed(3)} kWh`,
					},
				},
			},
		},
	};
}
