// Mod View as a workspace: every panel gets a header with a collapse toggle (aria-expanded),
// move up / move down, "pop out" (the panel alone in a new tab, /mod/{channel}?panel=<id>) and a
// resize handle under it (pointer or arrow keys). The layout is remembered per moderator and
// channel (modview/layout.js); "Reset layout" brings the default back. Everything is built
// with the DOM helpers: no HTML strings.

import { defaultLayout, forgetLayout, layoutKey, loadLayout, MIN_HEIGHT, CAPPED, saveLayout } from "./layout.js";

const STEP = 40; // px per arrow key on a resize handle
const BIG_STEP = 200; // px per Page Up / Page Down

export class Workspace {
  /** ``grid``: the element the panels go in; ``ctx``: Mod View's context (channel, me, dom). */
  constructor(grid, ctx) {
    this.grid = grid;
    this.ctx = ctx;
    this.key = layoutKey(ctx.me.user.id, ctx.channel);
    this.panels = new Map(); // id -> { panel, section, body, toggle, handle }
    this.broken = [];
    this.layout = null;
    this.dragging = null; // the id of the panel being dragged
    this.status = ctx.dom.el("p", { class: "visually-hidden", role: "status", "data-testid": "layout-status" });
  }

  /** Build the section of ``panel`` (header with its tools, body, resize handle); returns the
   * body for the panel to mount into. */
  add(panel) {
    const { el, button } = this.ctx.dom;
    const id = panel.id;
    const title = panel.title;
    const titleId = `panel-${id}-title`;
    const bodyId = `panel-${id}-body`;
    const body = el("div", { class: ["panel-body", CAPPED.has(id) ? "capped" : null], id: bodyId });
    const toggle = button("▾", () => this.setCollapsed(id, !this.isCollapsed(id)), {
      class: "btn small panel-tool panel-toggle", "aria-expanded": "true", "aria-controls": bodyId,
      "aria-label": `${title} panel`, title: "Collapse or expand", "data-testid": `panel-toggle-${id}`,
    });
    const up = button("↑", () => this.move(id, -1, up), {
      class: "btn small panel-tool", "aria-label": `Move ${title} up`, title: "Move up", "data-testid": `panel-up-${id}`,
    });
    const down = button("↓", () => this.move(id, 1, down), {
      class: "btn small panel-tool", "aria-label": `Move ${title} down`, title: "Move down", "data-testid": `panel-down-${id}`,
    });
    const popout = el("a", {
      class: "btn small panel-tool", href: popoutUrl(this.ctx, id), target: "_blank", rel: "noopener",
      "aria-label": `Open ${title} alone in a new tab`, title: "Pop out", "data-testid": `panel-popout-${id}`,
    }, "↗");
    // drag and drop is for the mouse; the keyboard has the buttons above
    const grip = el("span", {
      class: "panel-grip", draggable: "true", "aria-hidden": "true", title: "Drag to move",
      "data-testid": `panel-grip-${id}`,
    }, "≡");
    const handle = el("div", {
      class: "panel-resize", role: "separator", tabindex: "0", "aria-orientation": "horizontal",
      "aria-controls": bodyId, "aria-label": `Resize ${title} (arrow keys; Home: default height)`,
      "aria-valuemin": String(MIN_HEIGHT), "data-testid": `panel-resize-${id}`,
    });
    const section = el("section", {
      class: ["panel", `panel-${id}`, panel.size ? `size-${panel.size}` : null],
      id: `panel-${id}`, "aria-labelledby": titleId, "data-panel": id,
    },
    el("div", { class: "panel-head" },
      grip,
      el("h2", { class: "panel-title", id: titleId }, title),
      el("div", { class: "panel-tools", role: "group", "aria-label": `${title} panel layout` }, toggle, up, down, popout)),
    body, handle);
    this.panels.set(id, { panel, section, body, toggle, handle });
    this.resizable(id, handle);
    this.draggable(id, grip, section);
    return body;
  }

  /** A panel whose module did not load: shown where it was listed, without tools. */
  addBroken(section) {
    this.broken.push(section);
  }

  /** Put the sections on the page in the saved order, collapsed and sized as saved. */
  arrange() {
    this.layout = loadLayout(this.key, [...this.panels.keys()]);
    this.apply();
    this.grid.before(this.status);
  }

  apply() {
    const { order, collapsed, heights } = this.layout;
    this.grid.append(...order.map((id) => this.panels.get(id).section), ...this.broken);
    for (const id of this.panels.keys()) {
      this.showCollapsed(id, collapsed.includes(id));
      this.showHeight(id, heights[id]);
    }
  }

  /** Back to the default layout, and forget the saved one. */
  reset() {
    forgetLayout(this.key);
    this.layout = defaultLayout([...this.panels.keys()]);
    this.apply();
    this.say("Layout reset to the default.");
  }

  save() {
    saveLayout(this.key, this.layout);
  }

  say(message) {
    this.status.textContent = message;
  }

  isCollapsed(id) {
    return this.layout.collapsed.includes(id);
  }

  setCollapsed(id, collapsed) {
    const rest = this.layout.collapsed.filter((x) => x !== id);
    this.layout.collapsed = collapsed ? [...rest, id] : rest;
    this.showCollapsed(id, collapsed);
    this.save();
    if (!collapsed) window.dispatchEvent(new Event("resize")); // charts drawn while hidden re-measure
  }

  showCollapsed(id, collapsed) {
    const { section, body, toggle, handle } = this.panels.get(id);
    section.classList.toggle("collapsed", collapsed);
    body.hidden = collapsed;
    handle.hidden = collapsed;
    toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    toggle.textContent = collapsed ? "▸" : "▾";
  }

  /** Move panel ``id`` one place (``by``: -1 up, +1 down); focus stays on ``button``. */
  move(id, by, button) {
    const to = this.layout.order.indexOf(id) + by;
    if (to < 0 || to >= this.layout.order.length) {
      this.say(`${this.panels.get(id).panel.title} is already ${by < 0 ? "first" : "last"}.`);
      return;
    }
    this.moveTo(id, to);
    button.focus();
  }

  /** Put panel ``id`` at place ``to`` (0-based) of the order, on the page and saved. */
  moveTo(id, to) {
    const order = this.layout.order;
    const from = order.indexOf(id);
    if (from === to) return;
    order.splice(from, 1);
    order.splice(to, 0, id);
    const { section } = this.panels.get(id);
    const neighbour = this.panels.get(order[from > to ? to + 1 : to - 1]).section;
    if (from > to) neighbour.before(section);
    else neighbour.after(section);
    this.save();
    this.say(`${this.panels.get(id).panel.title} moved to place ${to + 1} of ${order.length}.`);
  }

  /** Drag ``grip`` onto another panel: this one takes that panel's place. */
  draggable(id, grip, section) {
    grip.addEventListener("dragstart", (event) => {
      this.dragging = id;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", id);
      event.dataTransfer.setDragImage(section, 24, 24);
      section.classList.add("dragging");
    });
    grip.addEventListener("dragend", () => {
      this.dragging = null;
      section.classList.remove("dragging");
      for (const { section: s } of this.panels.values()) s.classList.remove("drop-target");
    });
    section.addEventListener("dragover", (event) => {
      if (!this.dragging || this.dragging === id) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      section.classList.add("drop-target");
    });
    section.addEventListener("dragleave", (event) => {
      if (!section.contains(event.relatedTarget)) section.classList.remove("drop-target");
    });
    section.addEventListener("drop", (event) => {
      if (!this.dragging || this.dragging === id) return;
      event.preventDefault();
      section.classList.remove("drop-target");
      this.moveTo(this.dragging, this.layout.order.indexOf(id));
    });
  }

  /** Height ``px`` for the body of ``id`` (undefined: its natural or capped height). */
  showHeight(id, px) {
    const { body, handle } = this.panels.get(id);
    if (px) {
      body.style.height = `${px}px`;
      body.classList.add("sized");
      handle.setAttribute("aria-valuenow", String(px));
    } else {
      body.style.height = "";
      body.classList.remove("sized");
      this.naturalValue(body, handle);
    }
  }

  setHeight(id, px, persist = true) {
    const height = px ? Math.max(MIN_HEIGHT, Math.round(px)) : undefined;
    if (height) this.layout.heights[id] = height;
    else delete this.layout.heights[id];
    this.showHeight(id, height);
    if (persist) this.save();
  }

  /** A separator that can be focused must say its value (ARIA): with no saved height, the
   *  height the body has now, kept up to date as the panel's content grows or shrinks. */
  naturalValue(body, handle) {
    if (body.classList.contains("sized")) return;
    handle.setAttribute("aria-valuenow", String(Math.round(body.getBoundingClientRect().height)));
  }

  /** A body that scrolls but holds nothing the keyboard can reach is itself a tab stop (named
   *  by its panel's title), so keyboard users can scroll it too; otherwise it is not one. */
  scrollReachable(body, titleId) {
    const focusable = body.querySelector(
      'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), ' +
      'select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])');
    if (body.scrollHeight > body.clientHeight + 1 && !focusable) {
      body.setAttribute("tabindex", "0");
      body.setAttribute("role", "region");
      body.setAttribute("aria-labelledby", titleId);
    } else if (body.getAttribute("tabindex") === "0") {
      body.removeAttribute("tabindex");
      body.removeAttribute("role");
      body.removeAttribute("aria-labelledby");
    }
  }

  resizable(id, handle) {
    const { body } = this.panels.get(id);
    const titleId = this.panels.get(id).section.getAttribute("aria-labelledby");
    let queued = false;
    const check = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        this.scrollReachable(body, titleId);
      });
    };
    new ResizeObserver(() => {
      this.naturalValue(body, handle);
      check();
    }).observe(body);
    new MutationObserver(check).observe(body, { childList: true, subtree: true });
    const current = () => this.panels.get(id).body.getBoundingClientRect().height;
    handle.addEventListener("keydown", (event) => {
      const by = { ArrowDown: STEP, ArrowUp: -STEP, PageDown: BIG_STEP, PageUp: -BIG_STEP }[event.key];
      if (by) this.setHeight(id, current() + by);
      else if (event.key === "Home") this.setHeight(id, undefined);
      else return;
      event.preventDefault();
    });
    handle.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      handle.setPointerCapture(event.pointerId);
      const startY = event.clientY;
      const startH = current();
      const onMove = (e) => this.setHeight(id, startH + e.clientY - startY, false);
      const onUp = () => {
        handle.removeEventListener("pointermove", onMove);
        handle.removeEventListener("pointerup", onUp);
        handle.removeEventListener("pointercancel", onUp);
        this.save();
      };
      handle.addEventListener("pointermove", onMove);
      handle.addEventListener("pointerup", onUp);
      handle.addEventListener("pointercancel", onUp);
    });
  }
}

/** The address of panel ``id`` alone: the same page, told which panel to show. */
export function popoutUrl(ctx, id) {
  return `/mod/${ctx.seg(ctx.channel)}?panel=${encodeURIComponent(id)}`;
}

/** The ``?panel=`` of this page's address ("" for the whole Mod View). */
export function popoutPanel() {
  return new URLSearchParams(location.search).get("panel") || "";
}
