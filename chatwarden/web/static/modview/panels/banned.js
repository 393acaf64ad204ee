// Banned users: who is banned in the channel, newest ban first, with the reason, the moderator
// (or "strike ladder" for an automatic ban) and when, from the ban's mod-log entry
// (GET /channels/{name}/bans). A name filter, pages of 25, and Unban with a confirmation (the
// usual DELETE .../bans/{user}: the mod log records it like any unban). Refreshes live.

const PAGE = 25;

export default {
  id: "banned",
  title: "Banned users",
  requires: ["view_members"],
  mount(body, ctx) {
    const { el, button, clear, ago } = ctx.dom;
    const filter = el("input", {
      type: "search", maxlength: 25, placeholder: "filter by name", autocomplete: "off",
      "aria-label": "Filter banned users by name", "data-testid": "banned-filter",
    });
    const summary = el("span", { class: "muted", role: "status", "data-testid": "banned-summary" });
    const list = el("ul", { class: "list scroll", "data-testid": "banned-list", "aria-label": "Banned users" });
    const prev = button("Newer", () => go(offset - PAGE), { class: "btn small", "data-testid": "banned-prev", disabled: true });
    const next = button("Older", () => go(offset + PAGE), { class: "btn small", "data-testid": "banned-next", disabled: true });
    body.append(el("div", { class: "toolbar" }, filter, summary), list, el("div", { class: "row" }, prev, next));
    let offset = 0;
    let timer = null;
    let shown = "";

    function who(b) {
      if (b.action === "strike.ban") return "by the strike ladder";
      if (b.moderator_name) return `by ${b.moderator_name}`;
      return b.mod_log_id ? "by AutoMod" : "no mod-log entry";
    }

    function when(iso) {
      return new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    }

    function row(b) {
      const unban = async () => {
        if (!(await ctx.confirm(`Unban ${b.username}? They can chat again at once.`, { confirmLabel: "Unban" }))) return;
        try {
          await ctx.api.del(`/channels/${ctx.seg(ctx.channel)}/bans/${ctx.seg(b.username)}`);
          ctx.toast(`${b.username} is unbanned (logged in the mod log)`, "ok");
          await reload();
        } catch (err) {
          ctx.showError(err);
        }
      };
      return el("li", { class: "list-item", "data-testid": "banned-user", dataset: { username: b.username } },
        el("div", { class: "row" },
          button(b.username, () => ctx.openUserCard(b.username), { class: "btn link", "data-testid": "banned-name" }),
          el("span", { class: "muted", "data-testid": "banned-by" }, who(b)),
          b.banned_at ? el("time", { class: "muted", datetime: b.banned_at, title: ago(b.banned_at) }, when(b.banned_at)) : null,
          el("span", { class: "spacer" }),
          ctx.can("unban") ? button("Unban", unban, { class: "btn small", "data-testid": "banned-unban", "aria-label": `Unban ${b.username}` }) : null),
        el("div", { class: b.reason ? null : "muted", "data-testid": "banned-reason" }, b.reason ? `Reason: ${b.reason}` : "No reason given."));
    }

    async function go(to) {
      offset = Math.max(0, to);
      await reload();
    }

    async function reload() {
      const q = filter.value.trim();
      if (q && !/^[A-Za-z0-9_]{1,25}$/.test(q)) {
        shown = "";
        clear(list, el("li", { class: "empty" }, "A name has only letters, digits and _."));
        summary.textContent = "";
        return;
      }
      try {
        const page = await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/bans`, { q, limit: PAGE, offset });
        if (page.total && offset >= page.total) return go(Math.floor((page.total - 1) / PAGE) * PAGE);
        const key = JSON.stringify([q, page]);
        if (key !== shown) { // unchanged (a live reload after our own unban): keep the rows
          shown = key;
          clear(list, page.bans.length ? page.bans.map(row)
            : el("li", { class: "empty" }, q ? `Nobody banned whose name starts with "${q}".` : "Nobody is banned."));
        }
        summary.textContent = page.total
          ? `${offset + 1}–${offset + page.bans.length} of ${page.total} banned`
          : "";
        prev.disabled = offset === 0;
        next.disabled = offset + page.bans.length >= page.total;
      } catch (err) {
        ctx.showError(err);
      }
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(reload, 300);
    }

    filter.addEventListener("input", () => {
      offset = 0;
      soon();
    });
    ctx.live.on("welcome", reload);
    for (const t of ["channel.ban", "channel.unban", "channel.moderate"]) ctx.live.on(t, soon);
  },
};
