// Single-key shortcuts for Mod View (registered by panels through ctx.shortcut). A key does
// nothing while the user types in a field, while a dialog is open, or with Ctrl/Alt/Meta held.
// "?" lists every shortcut.

import { el } from "../js/dom.js";

function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target.getAttribute("type") || "text").toLowerCase();
  return !["button", "submit", "checkbox", "radio", "reset"].includes(type);
}

export class Shortcuts {
  constructor() {
    this.keys = new Map();
    this.add("?", "show this list of shortcuts", () => this.showHelp());
  }

  /** Bind ``key`` (as KeyboardEvent.key, e.g. "j", "?") to ``fn(event)``, described by ``help``. */
  add(key, help, fn) {
    if (this.keys.has(key) && key !== "?") console.warn(`shortcut ${key} is bound twice`);
    this.keys.set(key, { help, fn });
    return () => this.keys.delete(key);
  }

  install() {
    document.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.defaultPrevented) return;
      if (typing(ev.target) || document.querySelector("dialog[open]")) return;
      const entry = this.keys.get(ev.key);
      if (!entry) return;
      ev.preventDefault();
      entry.fn(ev);
    });
  }

  showHelp() {
    if (document.querySelector("dialog.shortcut-help[open]")) return;
    const rows = [...this.keys].map(([key, { help }]) =>
      el("tr", {}, el("th", { scope: "row" }, el("kbd", {}, key)), el("td", {}, help)));
    const close = el("button", { type: "submit", class: "btn primary" }, "Close");
    const dialog = el("dialog", { class: "modal shortcut-help", "aria-label": "Keyboard shortcuts", "data-testid": "shortcut-help" },
      el("form", { method: "dialog", class: "modal-form" },
        el("h2", {}, "Keyboard shortcuts"),
        el("table", { class: "keys" }, el("tbody", {}, rows)),
        el("p", { class: "muted" }, "Shortcuts work whenever you are not typing in a field. Tab moves between controls; Esc closes dialogs."),
        el("div", { class: "modal-actions" }, close)));
    document.body.append(dialog);
    dialog.addEventListener("close", () => dialog.remove());
    dialog.showModal();
    close.focus();
  }
}
