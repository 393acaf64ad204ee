// The mod log: every moderator action, AutoMod and detection decision, Shield Mode change,
// suspicious-user flag and settings change, newest first. The filters (action type, who acted,
// moderator, user, date range, text) are applied by the server over the whole history
// (GET /channels/{name}/modlog); "Load older" pages back with before_id. Usernames open the user
// card. New entries appear live at the top without losing the older pages already loaded.

import { ACTION_GROUPS, actionName } from "../actions.js";

const PAGE = 50;
const DEBOUNCE_MS = 300;

export default {
  id: "modlog",
  title: "Mod log",
  requires: ["view_mod_log"],
  css: true,
  mount(body, ctx) {
    const { el, button, clear, clock } = ctx.dom;
    const input = (attrs) => el("input", { class: "modlog-input", autocomplete: "off", ...attrs });

    const action = el("select", { "aria-label": "Action type", "data-testid": "modlog-action" },
      el("option", { value: "" }, "All actions"),
      ACTION_GROUPS.map((g) => el("optgroup", { label: g.label },
        g.family ? el("option", { value: g.family }, `All: ${g.label}`) : null,
        g.actions.map(([value, label]) => el("option", { value }, label)))));
    const who = el("select", { "aria-label": "Who acted", "data-testid": "modlog-who" },
      el("option", { value: "" }, "Anyone"),
      el("option", { value: "false" }, "Moderators"),
      el("option", { value: "true" }, "Automatic (AutoMod, detection)"));
    const moderator = input({ type: "text", placeholder: "Moderator", "aria-label": "Moderator's username", "data-testid": "modlog-moderator", maxlength: 64 });
    const user = input({ type: "text", placeholder: "User", "aria-label": "Target user's username", "data-testid": "modlog-user", maxlength: 64 });
    const from = input({ type: "date", "aria-label": "From date", "data-testid": "modlog-from" });
    const to = input({ type: "date", "aria-label": "To date (inclusive)", "data-testid": "modlog-to" });
    const text = input({ type: "search", placeholder: "Search reasons and details", "aria-label": "Search reasons and details", "data-testid": "modlog-filter", maxlength: 200 });
    const reset = button("Clear filters", () => {
      for (const c of [action, who, moderator, user, from, to, text]) c.value = "";
      syncWho();
      reload();
    }, { class: "btn small", "data-testid": "modlog-clear" });
    const status = el("p", { class: "muted modlog-status", role: "status", "aria-live": "polite", "data-testid": "modlog-status" });
    const list = el("ul", { class: "list scroll", "data-testid": "modlog-list" });
    const older = button("Load older", () => loadOlder(), { class: "btn", "data-testid": "modlog-older", hidden: true });

    body.append(
      el("div", { class: "toolbar modlog-filters", role: "search", "aria-label": "Mod log filters" },
        action, who, moderator, user,
        el("span", { class: "modlog-dates" }, from, el("span", { class: "muted", "aria-hidden": "true" }, "–"), to),
        text, reset),
      status, list, older);

    let entries = [];
    let more = false;
    let seq = 0; // the newest request: an answer to an older one (typing fast) is dropped
    let typing = null; // the debounced reload while a name or the search text is typed
    let live = null; // the debounced refresh after live events

    /** A date field's local day as an ISO instant: its start, or (end) the next day's start. */
    function dayStart(value, end) {
      if (!value) return undefined;
      const [y, m, d] = value.split("-").map(Number);
      const at = new Date(y, m - 1, d + (end ? 1 : 0));
      return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
    }

    function filters() {
      return {
        action: action.value,
        automatic: who.value,
        moderator: who.value === "true" ? "" : moderator.value.trim(),
        user: user.value.trim(),
        from: dayStart(from.value, false),
        to: dayStart(to.value, true),
        q: text.value.trim(),
      };
    }

    function syncWho() {
      moderator.disabled = who.value === "true";
    }

    /** Today's entries by the time only; older ones with their date (the history is long). */
    function when(iso) {
      const at = new Date(iso);
      if (at.toDateString() === new Date().toDateString()) return clock(iso);
      return at.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
    }

    function nameButton(name, role) {
      return button(name, () => ctx.openUserCard(name), {
        class: "btn link", "data-testid": `modlog-${role}`, "aria-label": `Open the user card of ${name}`,
      });
    }

    function item(e) {
      return el("li", { class: "list-item", "data-testid": "modlog-entry", dataset: { action: e.action, id: String(e.id) } },
        el("div", { class: "row" },
          el("time", { class: "muted", datetime: e.created_at, title: new Date(e.created_at).toLocaleString() }, when(e.created_at)),
          e.actor_name ? nameButton(e.actor_name, "actor") : el("span", { class: "badge modlog-auto" }, "Automatic"),
          el("span", { class: "badge", title: e.action, "data-testid": "modlog-action-name" }, actionName(e.action)),
          e.target_name ? el("span", {}, "→ ", nameButton(e.target_name, "target")) : null),
        e.reason ? el("div", { class: "muted modlog-reason" }, e.reason) : null);
    }

    function render() {
      clear(list);
      if (!entries.length) list.append(el("li", { class: "empty" }, "No entries match."));
      for (const e of entries) list.append(item(e));
      older.hidden = !more;
      status.textContent = entries.length
        ? `${entries.length} ${entries.length === 1 ? "entry" : "entries"}${more ? " (more older)" : ""}`
        : "";
    }

    async function fetchPage(beforeId) {
      return ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/modlog`, { ...filters(), before_id: beforeId, limit: PAGE });
    }

    async function reload() {
      clearTimeout(typing);
      typing = null;
      const mine = ++seq;
      try {
        const page = await fetchPage();
        if (mine !== seq) return;
        entries = page;
        more = page.length === PAGE;
        render();
      } catch (err) {
        if (mine === seq) ctx.showError(err);
      }
    }

    async function loadOlder() {
      if (!entries.length) return;
      const mine = ++seq;
      older.disabled = true;
      try {
        const page = await fetchPage(entries[entries.length - 1].id);
        if (mine !== seq) return;
        entries = entries.concat(page);
        more = page.length === PAGE;
        render();
        if (page.length) list.querySelectorAll("[data-testid=modlog-entry]")[entries.length - page.length]?.scrollIntoView({ block: "nearest" });
      } catch (err) {
        if (mine === seq) ctx.showError(err);
      } finally {
        older.disabled = false;
      }
    }

    /** Live: put entries newer than the top one above it, keeping the older pages loaded. */
    async function refreshTop() {
      if (!entries.length) return reload();
      const mine = seq;
      try {
        const page = await fetchPage();
        if (mine !== seq) return;
        const top = entries[0].id;
        const fresh = page.filter((e) => e.id > top);
        if (fresh.length === page.length) return reload(); // more new entries than a page: start over
        if (fresh.length) {
          entries = fresh.concat(entries);
          render();
        }
      } catch {
        // a live refresh that fails is retried on the next event; the filters still show
      }
    }

    function debounced() {
      clearTimeout(typing);
      typing = setTimeout(reload, DEBOUNCE_MS);
    }

    function liveSoon() {
      if (live) return;
      live = setTimeout(() => { live = null; refreshTop(); }, DEBOUNCE_MS);
    }

    for (const c of [moderator, user, text]) c.addEventListener("input", debounced);
    for (const c of [action, from, to]) c.addEventListener("change", reload);
    who.addEventListener("change", () => { syncWho(); reload(); });
    ctx.live.on("welcome", reload);
    for (const t of ["queue", "moderation", "automod", "settings", "unban_request", "event"]) {
      ctx.live.on(t, liveSoon);
    }
  },
};
