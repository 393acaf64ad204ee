// Unban requests: pending ones with Approve / Deny, a note to the user and a private note.

export default {
  id: "unban",
  title: "Unban requests",
  requires: ["view_unban_requests"],
  mount(body, ctx) {
    const { el, button, clear, field, ago } = ctx.dom;
    const list = el("div", { class: "stack", "data-testid": "unban-list" });
    body.append(list);

    function row(r) {
      const toUser = el("input", { type: "text", maxlength: 1000, "aria-label": `Note to ${r.username}`, placeholder: "note to the user", "data-testid": "unban-note" });
      const priv = el("input", { type: "text", maxlength: 1000, "aria-label": "Private note", placeholder: "private note (mods only)", "data-testid": "unban-private" });
      const resolve = async (decision) => {
        const verb = decision === "approve" ? "Approve (unban)" : "Deny";
        if (!(await ctx.confirm(`${verb} the unban request of ${r.username}?`, { confirmLabel: verb, danger: decision === "deny" }))) return;
        try {
          await ctx.api.post(`/unban-requests/${r.id}`, { decision, note_to_user: toUser.value.trim(), private_note: priv.value.trim() });
          ctx.toast(`Request of ${r.username} ${decision === "approve" ? "approved" : "denied"}`, "ok");
          await reload();
        } catch (err) {
          ctx.showError(err);
        }
      };
      const can = ctx.can("resolve_unban_request");
      return el("article", { class: "list-item stack", "data-testid": "unban-request" },
        el("div", { class: "row" }, button(r.username, () => ctx.openUserCard(r.username), { class: "btn link" }), el("span", { class: "muted" }, ago(r.created_at))),
        el("p", { class: "modal-message" }, r.text),
        can ? el("div", { class: "row" }, field("Note to the user", toUser), field("Private note", priv)) : null,
        can ? el("div", { class: "row" },
          button("Approve", () => resolve("approve"), { class: "btn ok small", "data-testid": "unban-approve" }),
          button("Deny", () => resolve("deny"), { class: "btn small", "data-testid": "unban-deny" })) : null);
    }

    async function reload() {
      try {
        const pending = await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/unban-requests`, { status: "pending" });
        clear(list, pending.length ? pending.map(row) : el("p", { class: "empty" }, "No pending unban requests."));
      } catch (err) {
        ctx.showError(err);
      }
    }

    ctx.live.on("welcome", reload);
    ctx.live.on("unban_request", reload);
  },
};
