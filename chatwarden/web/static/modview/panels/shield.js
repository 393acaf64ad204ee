// Shield Mode: one-click on/off with its status, the preset it applies, and bulk ban by phrase
// (preview first, then ban). The raid alert is Mod View's banner (../header.js), shown once.
// Every change is confirmed first and the server writes it to the mod log.

function presetLines(p) {
  const follow = p.followers_only_min_age_s;
  return [
    ["Followers-only", follow === null ? "off" : `followed ≥ ${Math.round(follow / 60)} min`],
    ["Slow mode", p.slow_mode_s ? `${p.slow_mode_s} s` : "off"],
    ["Subscribers-only", p.subscribers_only ? "on" : "off"],
    ["Unique chat", p.unique_chat ? "on" : "off"],
    ["AutoMod level", p.automod_level === null ? "unchanged" : `at least ${p.automod_level}`],
    ["Verification", p.verification === "none" ? "not required" : `${p.verification} required`],
    ["First-time chatters", { allow: "allowed", restrict: "restricted (mods see them)", reject: "refused" }[p.first_time_chatters]],
  ];
}

export default {
  id: "shield",
  title: "Shield Mode",
  requires: ["view_detection"],
  mount(body, ctx) {
    const { el, button, clear, ago } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}`;
    const state = el("strong", { "data-testid": "shield-state" }, "…");
    const since = el("span", { class: "muted", "data-testid": "shield-since" });
    const toggle = button("Turn on", onToggle, {
      class: "btn danger", "data-testid": "shield-toggle", disabled: !ctx.can("toggle_shield"),
    });
    const preset = el("dl", { class: "kv", "data-testid": "shield-preset" });
    const phrase = el("input", {
      type: "text", maxlength: 200, placeholder: "phrase raiders posted", "aria-label": "Phrase to bulk ban",
      "data-testid": "bulk-phrase",
    });
    const window = el("select", { "aria-label": "Look back", "data-testid": "bulk-window" },
      el("option", { value: "300" }, "last 5 min"), el("option", { value: "900", selected: true }, "last 15 min"),
      el("option", { value: "3600" }, "last hour"));
    const results = el("div", { class: "stack", "data-testid": "bulk-preview" });
    const canBan = ctx.can("bulk_ban");
    body.append(
      el("div", { class: "row" }, el("span", {}, "Shield Mode is "), state, since, toggle),
      el("details", { class: "section" }, el("summary", {}, "Preset (what Shield Mode applies)"), preset),
      canBan ? el("details", { class: "section" }, el("summary", {}, "Bulk ban by phrase"),
        el("div", { class: "row" }, phrase, window,
          button("Preview", () => bulk(true), { class: "btn small", "data-testid": "bulk-run" })),
        results) : null);

    let active = false;

    function render(status) {
      active = status.active;
      state.textContent = active ? "on" : "off";
      state.className = active ? "badge shield-on" : "badge";
      since.textContent = status.changed_at ? `since ${ago(status.changed_at)}${status.changed_by === null && active ? " (by AutoMod)" : ""}` : "";
      toggle.textContent = active ? "Turn off" : "Turn on";
      toggle.className = active ? "btn" : "btn danger";
      clear(preset, presetLines(status.preset).map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
    }

    async function reload() {
      try {
        render(await ctx.api.get(`${path}/shield`));
      } catch (err) {
        ctx.showError(err);
      }
    }

    async function onToggle() {
      const on = !active;
      const msg = on
        ? "Turn Shield Mode on? The preset is applied now; turning it off restores the current settings exactly."
        : "Turn Shield Mode off and restore the settings from before?";
      if (!(await ctx.confirm(msg, { confirmLabel: on ? "Turn on" : "Turn off", danger: on }))) return;
      try {
        render(await ctx.api.put(`${path}/shield`, { active: on }));
        ctx.toast(`Shield Mode is ${on ? "on" : "off"} (logged in the mod log)`, "ok");
      } catch (err) {
        ctx.showError(err);
      }
    }

    async function bulk(dryRun) {
      const text = phrase.value.trim();
      if (!text) return;
      const request = { phrase: text, window_s: Number(window.value), dry_run: dryRun, max_users: 100 };
      if (!dryRun && !(await ctx.confirm(`Ban every recent chatter who wrote "${text}"?`, { confirmLabel: "Ban them", danger: true }))) return;
      try {
        const r = await ctx.api.post(`${path}/shield/bulk-ban`, request);
        const who = r.candidates.map((c) => el("li", {}, el("strong", {}, c.username), ` · ${c.messages} message(s): `, el("span", { class: "muted" }, c.sample)));
        const skipped = r.skipped.map((s) => el("li", { class: "muted" }, `${s.username}: ${s.why}`));
        clear(results,
          el("p", {}, r.dry_run
            ? `${r.candidates.length} chatter(s) would be banned${r.capped ? ` (capped; ${r.matched} matched)` : ""}.`
            : `${r.banned.length} chatter(s) banned.`),
          who.length ? el("ul", { class: "list" }, who) : null,
          skipped.length ? el("ul", { class: "list" }, skipped) : null,
          r.dry_run && r.candidates.length
            ? button(`Ban ${r.candidates.length}`, () => bulk(false), { class: "btn danger small", "data-testid": "bulk-confirm" })
            : null);
      } catch (err) {
        ctx.showError(err);
      }
    }

    ctx.live.on("welcome", reload);
    ctx.live.on("channel.shield_mode.begin", reload);
    ctx.live.on("channel.shield_mode.end", reload);
    ctx.live.on("channel.raid_alert", reload);
  },
  css: true,
};
