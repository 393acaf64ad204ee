// The timeout control every Mod View timeout uses (queue, chat, user card): a button for the
// default (10 min) and, beside it, a labelled menu of presets (1 s purge, 1 min, 10 min, 1 h,
// 24 h, 7 d) and a custom duration. Keyboard: Enter/Space/ArrowDown on the menu button opens
// it on the first item, ArrowUp opens it on the last; ArrowUp/ArrowDown/Home/End move; Enter or
// Space picks; Escape closes (focus back on the menu button); Tab closes. The server checks the
// duration (1 s to 14 d, chatwarden/web/schemas.py); this menu only offers what it accepts.

import { button, el } from "../js/dom.js";

export const DEFAULT_S = 600;
export const MAX_S = 14 * 24 * 3600;
export const PRESETS = [
  [1, "1 s (purge)"],
  [60, "1 min"],
  [600, "10 min"],
  [3600, "1 h"],
  [86400, "24 h"],
  [7 * 86400, "7 d"],
];
const UNITS = { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** "90", "90s", "5m", "5 min", "2h", "3d", "1w" -> seconds (1 s to 14 d), or null. */
export function parseDuration(text) {
  const m = /^\s*(\d{1,7})\s*(s|m|min|h|d|w)?\s*$/i.exec(String(text));
  if (!m) return null;
  const seconds = Number(m[1]) * UNITS[(m[2] || "s").toLowerCase()];
  return seconds >= 1 && seconds <= MAX_S ? seconds : null;
}

/** A duration as a person says it, exactly (90 -> "90 s", 7200 -> "2 h"). */
export function durationLabel(seconds) {
  const preset = PRESETS.find(([s]) => s === seconds);
  if (preset && seconds !== 1) return preset[1];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
    if (seconds % size === 0) return `${seconds / size} ${unit}`;
  }
  return `${seconds} s`;
}

let nextId = 0;

/**
 * ``timeoutControl(ctx, {label, who, onPick, testid, attrs})``: the default button (``label``,
 * ``attrs`` as for ``button``) and the duration menu; ``onPick(seconds)`` runs for either.
 */
export function timeoutControl(ctx, { label, who, onPick, testid = "timeout", attrs = {} }) {
  const menuId = `timeout-menu-${++nextId}`;
  const main = button(label, () => onPick(DEFAULT_S), { "data-testid": testid, ...attrs });
  const toggle = el("button", {
    type: "button",
    class: "btn small timeout-toggle",
    "aria-haspopup": "menu",
    "aria-expanded": "false",
    "aria-controls": menuId,
    "aria-label": `Timeout durations for ${who}`,
    title: "Choose a timeout duration",
    "data-testid": `${testid}-durations`,
  }, "▾");
  const item = (text, seconds, itemTestid) => el("li", {
    role: "menuitem",
    tabindex: "-1",
    dataset: { seconds: String(seconds ?? "") },
    "data-testid": itemTestid,
  }, text);
  const items = [
    ...PRESETS.map(([s, text]) => item(text, s, `${testid}-preset-${s}`)),
    item("Custom…", null, `${testid}-custom`),
  ];
  const menu = el("ul", { id: menuId, role: "menu", class: "timeout-menu", "aria-label": `Time out ${who} for`, hidden: true }, items);
  const wrap = el("span", { class: "timeout-control" }, main, toggle, menu);

  const isOpen = () => !menu.hidden;
  function open(at = 0) {
    menu.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    items[(at + items.length) % items.length].focus();
  }
  function close(refocus) {
    if (!isOpen()) return;
    menu.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (refocus) toggle.focus();
  }
  async function pick(li) {
    close(true);
    let seconds = li.dataset.seconds ? Number(li.dataset.seconds) : null;
    if (seconds === null) {
      const text = await ctx.prompt(`Time ${who} out for how long? For example 90s, 5m, 2h, 3d (1 s to 14 d).`,
        { title: "Custom timeout", label: "Duration", required: true, confirmLabel: "Next" });
      if (text === null) return;
      seconds = parseDuration(text);
      if (seconds === null) {
        ctx.toast(`"${text}" is not a duration from 1 s to 14 d (for example 90s, 5m, 2h, 3d)`, "error");
        return;
      }
    }
    await onPick(seconds);
  }

  toggle.addEventListener("click", () => (isOpen() ? close(true) : open(0)));
  toggle.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      open(ev.key === "ArrowDown" ? 0 : -1);
    }
  });
  menu.addEventListener("click", (ev) => {
    const li = ev.target instanceof Element ? ev.target.closest("[role=menuitem]") : null;
    if (li) pick(li);
  });
  menu.addEventListener("keydown", (ev) => {
    const at = items.indexOf(document.activeElement);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: -1 };
    if (ev.key in moves) {
      items[(moves[ev.key] + items.length) % items.length].focus();
    } else if (ev.key === "Enter" || ev.key === " ") {
      if (at >= 0) pick(items[at]);
    } else if (ev.key === "Escape") {
      close(true);
    } else if (ev.key === "Tab") {
      close(false);
      return; // the focus moves on as usual
    }
    ev.preventDefault(); // no Mod View shortcut while the menu has the keyboard
    ev.stopPropagation();
  });
  wrap.addEventListener("focusout", (ev) => {
    if (!(ev.relatedTarget instanceof Node) || !wrap.contains(ev.relatedTarget)) close(false);
  });
  return wrap;
}
