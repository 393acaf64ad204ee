// What this channel's AutoMod learned from its moderators, and why: the active version's shift
// per category (a fraction of a level, never more than one, never below the owner's floor) with
// the sentence that explains it, and its learned head (a small per-channel model that adds
// holds its moderators would make and releases non-severe holds they would allow, in one line
// from the server); freeze, reset and roll back. Owner and lead moderators. Every text is a text
// node (dom.js), never HTML.

import { categoryName } from "./queue.js";

function shiftText(s) {
  const dir = s.shift < 0 ? "less" : "more";
  return `${categoryName(s.category)}: level ${s.level} → ${(s.level + s.shift).toFixed(2)} (held ${dir} often)`;
}

export default {
  id: "learning",
  title: "Learned from moderators",
  requires: ["update_automod_settings"],
  mount(body, ctx) {
    const { el, button, clear, ago } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}/automod/learning`;
    const box = el("div", { class: "stack", "data-testid": "learning" });
    body.append(box);

    async function act(question, label, fn) {
      if (!(await ctx.confirm(question, { confirmLabel: label }))) return;
      try {
        render(await fn());
        ctx.toast("Saved (recorded in the mod log)", "ok");
      } catch (err) {
        ctx.showError(err);
      }
    }

    function version(v, active) {
      const who = v.actor_name ? `by ${v.actor_name}` : "from moderators' decisions";
      return el("li", { class: "list-item row", "data-testid": "learning-version" },
        el("b", {}, `v${v.version}`), el("span", { class: "badge" }, v.reason), el("span", { class: "muted" }, `${who}, ${ago(v.created_at)}`),
        el("span", {}, v.shifts.length ? v.shifts.map(shiftText).join("; ") : "no shift"),
        v.head ? el("span", { class: "badge", title: v.head.summary }, "head") : null,
        active ? el("span", { class: "badge ok" }, "active")
          : button("Roll back to this", () => act(`Apply version ${v.version} again?`, "Roll back",
            () => ctx.api.post(`${path}/rollback`, { version: v.version })), { class: "btn small", "data-testid": "learning-rollback" }));
    }

    function render(state) {
      const active = state.active;
      const shifts = active ? active.shifts : [];
      clear(box,
        el("p", { "data-testid": "learning-status" }, state.frozen ? "Learning is frozen: nothing new is learned." : "Learning is on: moderators' decisions move the levels, within one level, never below the owner's floor."),
        shifts.length
          ? el("ul", { class: "list" }, shifts.map((s) => el("li", { class: "list-item", "data-testid": "learning-shift" },
            el("b", {}, shiftText(s)), el("div", { class: "muted" }, s.explanation))))
          : el("p", { class: "empty", "data-testid": "learning-none" }, "Nothing learned: the owner's levels apply as set."),
        active && active.head
          ? el("p", { "data-testid": "learning-head" }, el("b", {}, "Learned head: "), active.head.summary,
            el("div", { class: "muted" }, "It holds messages like those moderators act on, for the categories the owner holds, and lets through bullying, sex-based terms and swearing like those moderators allow; never identity attacks, threats or self-harm, blocked terms or severe-harm rules."))
          : null,
        el("div", { class: "row" },
          button(state.frozen ? "Unfreeze" : "Freeze", () => act(state.frozen ? "Let AutoMod learn from moderators again?" : "Stop learning (keep what was learned)?", state.frozen ? "Unfreeze" : "Freeze",
            () => ctx.api.put(`${path}/frozen`, { frozen: !state.frozen })), { class: "btn small", "data-testid": "learning-freeze" }),
          button("Reset", () => act("Drop everything learned? The owner's levels apply again.", "Reset",
            () => ctx.api.post(`${path}/reset`, {})), { class: "btn small", "data-testid": "learning-reset" })),
        state.history.length ? el("h3", {}, "Versions") : null,
        el("ul", { class: "list" }, state.history.map((v) => version(v, active && v.version === active.version))));
    }

    async function reload() {
      try {
        render(await ctx.api.get(path));
      } catch (err) {
        ctx.showError(err);
      }
    }

    ctx.live.on("welcome", reload);
    ctx.live.on("automod.settings.update", reload);
  },
};
