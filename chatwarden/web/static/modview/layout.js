// Mod View's layout as data: the order of the panels, which are collapsed, the heights a
// moderator gave them. Kept in the browser's localStorage under one key per user and channel
// (a layout is a preference, not a permission: the server decides what each panel may do).
// No DOM here; modview/workspace.js applies a layout to the page.

/** Panels that open with a capped height (they scroll inside) until a moderator resizes them. */
export const CAPPED = new Set(["settings", "health", "shadow", "roles", "detection"]);

/** Panels that open collapsed (none: every tool in view, the long ones capped instead). */
export const COLLAPSED = new Set();

/** Smallest height a moderator can give a panel, in px. */
export const MIN_HEIGHT = 80;

/** The localStorage key of ``userId``'s layout of ``channel``. */
export function layoutKey(userId, channel) {
  return `cw.modview.layout.v1.${userId}.${channel}`;
}

/** The layout a channel opens with: the panels in their listed order, nothing resized. */
export function defaultLayout(ids) {
  return { order: [...ids], collapsed: ids.filter((id) => COLLAPSED.has(id)), heights: {} };
}

/** ``stored`` (anything read back, maybe stale or broken) made valid for the panels ``ids``:
 * unknown panels dropped, panels added since kept at their place in the default order. */
export function normalize(stored, ids) {
  const base = defaultLayout(ids);
  if (!stored || typeof stored !== "object") return base;
  const known = new Set(ids);
  const seen = new Set();
  const order = [];
  for (const id of Array.isArray(stored.order) ? stored.order : []) {
    if (known.has(id) && !seen.has(id)) { order.push(id); seen.add(id); }
  }
  ids.forEach((id, index) => {
    if (!seen.has(id)) order.splice(Math.min(index, order.length), 0, id);
  });
  const collapsed = Array.isArray(stored.collapsed)
    ? stored.collapsed.filter((id) => known.has(id)) : base.collapsed;
  const heights = {};
  for (const [id, h] of Object.entries(stored.heights && typeof stored.heights === "object" ? stored.heights : {})) {
    if (known.has(id) && Number.isFinite(h) && h >= MIN_HEIGHT) heights[id] = Math.round(h);
  }
  return { order, collapsed: [...new Set(collapsed)], heights };
}

/** The layout saved under ``key`` for the panels ``ids`` (the default when none or unreadable). */
export function loadLayout(key, ids) {
  try {
    const raw = localStorage.getItem(key);
    return normalize(raw ? JSON.parse(raw) : null, ids);
  } catch {
    return defaultLayout(ids);
  }
}

export function saveLayout(key, layout) {
  try {
    localStorage.setItem(key, JSON.stringify(layout));
  } catch {
    // storage full or disabled: the layout lasts until the page closes
  }
}

export function forgetLayout(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // nothing saved
  }
}
