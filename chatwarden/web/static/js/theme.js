// The colour theme: "system" (follow prefers-color-scheme), "light" or "dark". The choice is
// kept in localStorage and shown as data-theme on <html>, which app.css reads; js/theme-init.js
// applies it before first paint, this module changes it (see docs/web-ui.md, "Themes").

import { el } from "./dom.js";

export const THEME_KEY = "cw-theme";
export const THEMES = [["system", "System"], ["light", "Light"], ["dark", "Dark"]];

/** The stored choice ("system" when none, or when storage is unavailable). */
export function storedTheme() {
  try {
    const theme = localStorage.getItem(THEME_KEY);
    return theme === "light" || theme === "dark" ? theme : "system";
  } catch {
    return "system";
  }
}

/** Show ``theme`` on <html>; "system" removes data-theme, so the media query decides. */
export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === "light" || theme === "dark") root.dataset.theme = theme;
  else delete root.dataset.theme;
  // panels that paint with computed colours (charts) redraw on this
  document.dispatchEvent(new CustomEvent("cw-themechange", { detail: { theme } }));
}

/** Remember and apply ``theme``. */
export function setTheme(theme) {
  try {
    if (theme === "light" || theme === "dark") localStorage.setItem(THEME_KEY, theme);
    else localStorage.removeItem(THEME_KEY);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  applyTheme(theme);
}

/** The header's theme control: a labelled <select> (keyboard-accessible as it is). */
export function themePicker() {
  const select = el("select", { class: "theme-picker", "aria-label": "Colour theme", "data-testid": "theme-picker", title: "Colour theme" },
    THEMES.map(([value, label]) => el("option", { value }, label)));
  select.value = storedTheme();
  select.addEventListener("change", () => setTheme(select.value));
  return select;
}

// another tab changed the theme: follow it (the event only fires in the other tabs)
window.addEventListener("storage", (event) => {
  if (event.key !== THEME_KEY && event.key !== null) return;
  const theme = storedTheme();
  applyTheme(theme);
  for (const select of document.querySelectorAll("select.theme-picker")) select.value = theme;
});
