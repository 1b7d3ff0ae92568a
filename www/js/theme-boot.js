// Loaded as a classic script in <head>, before the first paint: applies the theme
// the toggle saved, so a dark page never flashes light.
(function () {
	try {
		var saved = localStorage.getItem("hanp1d-theme");
		if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
	} catch (e) {
		/* storage blocked: follow the system */
	}
})();
