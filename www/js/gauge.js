// A half-circle SVG gauge: no library, scales with its box, coloured by how full
// it is. max is the full scale (the main fuse's power, or a production peak).

import { el } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const CX = 110;
const CY = 100;
const R = 80;

function svg(tag, attrs) {
	const e = document.createElementNS(NS, tag);
	for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
	return e;
}

// The arc from the left end to fraction f (0..1) of the half circle.
function arcPath(f) {
	const a = Math.PI * (1 - f);
	const x = CX + R * Math.cos(a);
	const y = CY - R * Math.sin(a);
	return `M ${CX - R} ${CY} A ${R} ${R} 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`;
}

export class Gauge {
	// kind: "import" or "export" (its colour); id: the element id for the value.
	constructor(container, { title, kind, id }) {
		this.kind = kind;
		this.track = svg("path", {
			d: arcPath(1),
			class: "track",
			fill: "none",
			"stroke-width": 16,
			"stroke-linecap": "round",
		});
		this.fill = svg("path", {
			d: arcPath(0),
			class: "fill " + kind,
			fill: "none",
			"stroke-width": 16,
			"stroke-linecap": "round",
		});
		this.valueText = svg("text", { x: CX, y: CY - 12, "text-anchor": "middle", class: "value" });
		this.valueText.id = id;
		this.minText = svg("text", { x: CX - R, y: CY + 22, "text-anchor": "middle", class: "scale" });
		this.maxText = svg("text", { x: CX + R, y: CY + 22, "text-anchor": "middle", class: "scale" });
		this.maxText.id = id + "-max";
		this.minText.textContent = "0";
		const root = svg("svg", { viewBox: "0 0 220 128", role: "img", "aria-label": title });
		root.append(this.track, this.fill, this.valueText, this.minText, this.maxText);
		this.title = el("div", { class: "title", text: title });
		container.append(el("div", { class: "gauge" }, root, this.title));
	}

	// value and max in W; text is what the middle says.
	update(value, max, text, maxText) {
		const f = Number.isFinite(value) && max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
		this.fill.setAttribute("d", arcPath(f));
		// An empty arc still draws its round cap as a dot; hide it at zero.
		this.fill.style.opacity = f > 0.002 ? "1" : "0";
		const level = f >= 0.95 ? "alarm" : f >= 0.8 ? "warn" : "";
		this.fill.setAttribute("class", "fill " + this.kind + (level ? " " + level : ""));
		this.valueText.textContent = text;
		if (Number.isFinite(value)) this.valueText.dataset.value = String(value);
		else delete this.valueText.dataset.value;
		this.maxText.textContent = maxText;
	}
}
