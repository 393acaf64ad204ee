// Suspicious users: who is monitored or restricted and why (every flag lists its reasons and,
// for shared bans, the channels), clear or add by hand, and the live feed of their messages.

const SOURCE = { manual: "added by a moderator", auto: "ban-evasion detector", shared: "shared ban" };

export default {
  id: "suspicious",
  title: "Suspicious users",
  requires: ["view_detection"],
  css: true,
  mount(body, ctx) {
    const { el, button, clear, field, ago } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}`;
    const list = el("div", { class: "stack", "data-testid": "suspicious-list" });
    const feed = el("ul", { class: "list scroll", "data-testid": "suspicious-feed" });
    const who = el("input", { type: "text", maxlength: 25, placeholder: "username", "aria-label": "Username to flag", "data-testid": "suspicious-user" });
    const status = el("select", { "aria-label": "Treatment", "data-testid": "suspicious-status" },
      el("option", { value: "monitored" }, "monitor"), el("option", { value: "restricted" }, "restrict"));
    const why = el("input", { type: "text", maxlength: 500, placeholder: "why (optional)", "aria-label": "Reason" });
    const canManage = ctx.can("manage_suspicious");
    body.append(
      list,
      canManage ? el("div", { class: "row" }, field("User", who), field("Treatment", status), field("Reason", why),
        button("Flag", add, { class: "btn small", "data-testid": "suspicious-add" })) : null,
      el("details", { class: "section", open: true }, el("summary", {}, "Their latest messages"), feed));

    function row(u) {
      const shared = u.shared_channels.length
        ? el("p", { class: "muted" }, "Banned in: ", u.shared_channels.map((c) => c.name).join(", "))
        : null;
      return el("article", { class: `list-item stack suspicious-${u.status}`, "data-testid": "suspicious-item" },
        el("div", { class: "row" },
          button(u.username, () => ctx.openUserCard(u.username), { class: "btn link" }),
          el("span", { class: "badge", "data-testid": "suspicious-status-badge" }, u.status),
          el("span", { class: "muted" }, `${SOURCE[u.source] || u.source} · ${ago(u.updated_at)}`),
          u.evasion_level ? el("span", { class: "badge" }, `evasion: ${u.evasion_level}`) : null),
        el("ul", { class: "suspicious-reasons" }, u.reasons.map((r) => el("li", {}, r))),
        shared,
        canManage ? button("Clear", () => clearUser(u), { class: "btn small", "data-testid": "suspicious-clear" }) : null);
    }

    async function reload() {
      try {
        const users = await ctx.api.get(`${path}/suspicious-users`);
        clear(list, users.length ? users.map(row) : el("p", { class: "empty" }, "Nobody is monitored or restricted."));
      } catch (err) {
        ctx.showError(err);
      }
    }

    async function clearUser(u) {
      if (!(await ctx.confirm(`Clear ${u.username}? They chat normally again and are not flagged automatically.`, { confirmLabel: "Clear" }))) return;
      try {
        await ctx.api.del(`${path}/suspicious-users/${ctx.seg(u.username)}`);
        ctx.toast(`${u.username} cleared (logged)`, "ok");
        await reload();
      } catch (err) {
        ctx.showError(err);
      }
    }

    async function add() {
      const name = who.value.trim();
      if (!name) return;
      try {
        await ctx.api.put(`${path}/suspicious-users/${ctx.seg(name)}`, { status: status.value, reason: why.value.trim() });
        ctx.toast(`${name} is ${status.value} (logged)`, "ok");
        who.value = "";
        why.value = "";
        await reload();
      } catch (err) {
        ctx.showError(err);
      }
    }

    ctx.live.on("welcome", reload);
    ctx.live.on("channel.suspicious_user.update", reload);
    ctx.live.on("channel.suspicious_user.message", (f) => {
      const e = f.event || {};
      const item = el("li", { class: `list-item suspicious-${e.low_trust_status === "restricted" ? "restricted" : "monitored"}` },
        el("strong", {}, e.user_login || "?"), " ",
        el("span", { class: "badge" }, e.low_trust_status === "restricted" ? "restricted: only mods see this" : "monitored"), " ",
        el("span", {}, e.message?.text || ""),
        el("div", { class: "muted" }, (e.reasons || []).join("; ")));
      feed.prepend(item);
      while (feed.children.length > 50) feed.lastChild.remove();
    });
  },
};
