// Small DOM helpers: elements built from code, text always set as text (values
// from the meter never become markup).

export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [key, value] of Object.entries(attrs)) {
		if (value === undefined || value === null || value === false) continue;
		if (key === "class") e.className = value;
		else if (key === "text") e.textContent = value;
		else if (key === "dataset") Object.assign(e.dataset, value);
		else if (key.startsWith("on")) e.addEventListener(key.slice(2), value);
		else e.setAttribute(key, value === true ? "" : value);
	}
	for (const c of children.flat()) {
		if (c === undefined || c === null || c === false) continue;
		e.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return e;
}

// Sets a value element's text and its data-value (the number the text shows), so
// a test or a user script can read the exact value.
export function setValue(e, text, value) {
	if (e.textContent !== text) e.textContent = text;
	if (value === undefined || value === null || (typeof value === "number" && !Number.isFinite(value)))
		delete e.dataset.value;
	else e.dataset.value = String(value);
}

export function byId(id) {
	return document.getElementById(id);
}

// "not available" in a widget: its body replaced by one muted line.
export function unavailable(container, why) {
	container.replaceChildren(el("p", { class: "unavailable", text: why }));
	container.dataset.state = "unavailable";
}

// A table of figures: head is a list of column titles, rows a list of
// {cells: [...], class, dataset}; a cell is text or {text, class, value}.
export function figuresTable(head, rows) {
	const thead = el(
		"thead",
		{},
		el(
			"tr",
			{},
			head.map((h) => el("th", { scope: "col", text: h })),
		),
	);
	const tbody = el(
		"tbody",
		{},
		rows.map((r) =>
			el(
				"tr",
				{ class: r.class, dataset: r.dataset },
				r.cells.map((c, i) => {
					const cell = typeof c === "object" && c !== null ? c : { text: c };
					const td = el(i === 0 ? "th" : "td", { class: cell.class, text: cell.text });
					if (i === 0) td.setAttribute("scope", "row");
					if (cell.value !== undefined && cell.value !== null) td.dataset.value = String(cell.value);
					return td;
				}),
			),
		),
	);
	return el("table", { class: "figures" }, thead, tbody);
}
