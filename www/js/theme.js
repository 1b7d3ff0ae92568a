// The light/dark toggle: auto (the system's prefers-color-scheme), light, dark.
// The choice is kept in localStorage; charts listen for "hanp1d-theme" to recolour.

const KEY = "hanp1d-theme";
const ORDER = ["auto", "light", "dark"];
const LABEL = { auto: "Theme: auto", light: "Theme: light", dark: "Theme: dark" };

function current() {
	const t = document.documentElement.dataset.theme;
	return t === "light" || t === "dark" ? t : "auto";
}

function apply(theme) {
	if (theme === "auto") delete document.documentElement.dataset.theme;
	else document.documentElement.dataset.theme = theme;
	try {
		if (theme === "auto") localStorage.removeItem(KEY);
		else localStorage.setItem(KEY, theme);
	} catch {
		/* storage blocked: the choice lasts for this page */
	}
	window.dispatchEvent(new Event("hanp1d-theme"));
}

export function setupThemeToggle(button) {
	const show = () => {
		const t = current();
		button.textContent = LABEL[t];
		button.dataset.theme = t;
	};
	button.addEventListener("click", () => {
		apply(ORDER[(ORDER.indexOf(current()) + 1) % ORDER.length]);
		show();
	});
	// The system switching between light and dark also recolours the charts.
	window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
		window.dispatchEvent(new Event("hanp1d-theme"));
	});
	show();
}

// A theme colour (a CSS variable of dashboard.css) as the charts need it.
export function cssColor(name) {
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
