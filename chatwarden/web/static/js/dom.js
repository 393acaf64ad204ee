// Safe DOM builders: every piece of data becomes a text node or an attribute value set
// through the DOM, never HTML. Nothing in the UI uses innerHTML/outerHTML/insertAdjacentHTML.
//
//   import { el, clear, button } from "/static/js/dom.js";
//   list.append(el("li", { class: "msg", dataset: { id: m.message_id } },
//     el("b", {}, m.sender), ": ", m.text));          // strings are text, always
//   button("Allow", () => allow(item), { class: "btn ok", title: "a" });

const BOOL_ATTRS = new Set(["disabled", "checked", "selected", "hidden", "required", "open", "multiple", "readonly"]);

/**
 * el(tag, attrs, ...children): build an element.
 * attrs: class, text, dataset {..}, style {..} (properties, not a string), on {event: fn},
 * boolean attributes (disabled, checked, ...), value, any other attribute (set with
 * setAttribute, so "href" only accepts strings; javascript: URLs are refused).
 * children: strings/numbers (text nodes), nodes, arrays, null/undefined/false (skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === "value") node.value = value;
    else if (BOOL_ATTRS.has(key)) node[key] = Boolean(value);
    else if ((key === "href" || key === "src" || key === "action") && !safeUrl(value)) continue;
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function safeUrl(value) {
  const s = String(value).trim().toLowerCase();
  return !(s.startsWith("javascript:") || s.startsWith("data:") || s.startsWith("vbscript:"));
}

/** Append children (text, nodes, arrays; falsy skipped) to ``node``. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false || child === true) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of ``node`` (and optionally put new ones in). */
export function clear(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** A <button type=button> running ``fn`` on click. */
export function button(label, fn, attrs = {}) {
  return el("button", { type: "button", ...attrs, on: { click: fn, ...(attrs.on || {}) } }, label);
}

/** A labelled form field: <label>text <input ...></label>. */
export function field(label, input, hint) {
  return el("label", { class: "field" }, el("span", { class: "field-label" }, label), input,
    hint ? el("small", { class: "muted" }, hint) : null);
}

/** "3 min ago", "2 d ago" for an ISO time. */
export function ago(iso, now = Date.now()) {
  if (!iso) return "";
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** "14:03:22" for an ISO time (the user's locale). */
export function clock(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** A duration in seconds as "45 s", "10 min", "3 h", "12 d". */
export function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/**
 * ``text`` with the code-point ranges ``spans`` ([[start, end), ...], as the server's
 * decisions give them) wrapped in <mark>; returns nodes (text nodes and <mark> elements).
 * Python counts code points, JavaScript strings count UTF-16 units, so we index code points.
 */
export function highlight(text, spans, markAttrs = { class: "hit" }) {
  const chars = Array.from(text);
  const marked = new Array(chars.length).fill(false);
  for (const [start, end] of spans || []) {
    for (let i = Math.max(0, start); i < Math.min(chars.length, end); i++) marked[i] = true;
  }
  const out = [];
  let i = 0;
  while (i < chars.length) {
    let j = i;
    while (j < chars.length && marked[j] === marked[i]) j++;
    const piece = chars.slice(i, j).join("");
    out.push(marked[i] ? el("mark", markAttrs, piece) : document.createTextNode(piece));
    i = j;
  }
  return out;
}
