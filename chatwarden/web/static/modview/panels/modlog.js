// The mod log: every moderator action, AutoMod hold/block and settings change, newest first;
// filter by action (server side) and by who/whom/reason (in the page). Refreshes live.

const ACTIONS = [
  ["", "All actions"],
  ["automod.hold", "AutoMod held"],
  ["automod.block", "AutoMod blocked"],
  ["automod.approve", "Held message allowed"],
  ["automod.deny", "Held message denied"],
  ["delete", "Message deleted"],
  ["warn", "Warn"],
  ["timeout", "Timeout"],
  ["untimeout", "Timeout lifted"],
  ["ban", "Ban"],
  ["unban", "Unban"],
  ["unban_request.approve", "Unban request approved"],
  ["unban_request.deny", "Unban request denied"],
  ["note.add", "Note added"],
  ["note.delete", "Note deleted"],
  ["automod.settings.update", "AutoMod levels changed"],
  ["automod.terms.add", "Term added"],
  ["automod.terms.remove", "Term removed"],
  ["automod.terms.import", "Terms imported"],
  ["chat_settings.update", "Chat modes changed"],
  ["automod.learning.update", "AutoMod learned from moderators"],
  ["automod.learning.freeze", "Learning frozen"],
  ["automod.learning.unfreeze", "Learning unfrozen"],
  ["automod.learning.reset", "Learning reset"],
  ["automod.learning.rollback", "Learning rolled back"],
  ["calibration.settle", "Disagreement settled"],
];

export default {
  id: "modlog",
  title: "Mod log",
  requires: ["view_mod_log"],
  mount(body, ctx) {
    const { el, clear, clock } = ctx.dom;
    const action = el("select", { "aria-label": "Filter by action", "data-testid": "modlog-action" },
      ACTIONS.map(([v, label]) => el("option", { value: v }, label)));
    const text = el("input", { type: "search", placeholder: "moderator, user or reason", "aria-label": "Filter by text", "data-testid": "modlog-filter" });
    const list = el("ul", { class: "list scroll", "data-testid": "modlog-list" });
    body.append(el("div", { class: "toolbar" }, action, text), list);
    let entries = [];
    let timer = null;

    function render() {
      const q = text.value.trim().toLowerCase();
      const shown = entries.filter((e) => !q || [e.actor_name, e.target_name, e.reason, e.action].some((s) => (s || "").toLowerCase().includes(q)));
      clear(list);
      if (!shown.length) list.append(el("li", { class: "empty" }, "No entries."));
      for (const e of shown) {
        list.append(el("li", { class: "list-item", "data-testid": "modlog-entry", dataset: { action: e.action } },
          el("div", { class: "row" },
            el("span", { class: "muted" }, clock(e.created_at)),
            el("b", {}, e.actor_name || "AutoMod"),
            el("span", { class: "badge" }, e.action),
            e.target_name ? el("span", {}, "→ ", el("b", {}, e.target_name)) : null),
          e.reason ? el("div", { class: "muted" }, e.reason) : null));
      }
    }

    async function reload() {
      try {
        entries = await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/modlog`, { action: action.value, limit: 100 });
        render();
      } catch (err) {
        ctx.showError(err);
      }
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(reload, 300);
    }

    action.addEventListener("change", reload);
    text.addEventListener("input", render);
    ctx.live.on("welcome", reload);
    for (const t of ["queue", "moderation", "automod", "settings", "unban_request", "event"]) ctx.live.on(t, soon);
  },
};
