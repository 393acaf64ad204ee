// Team calibration: where the team decided alike messages differently (a split), allows
// followed by a timeout or ban of the sender (a reversal), and each moderator's workload.
// Nothing is averaged away: a lead moderator settles a disagreement into a channel rule
// (Deny: the words become a blocked term; Allow: a permitted term). Below, the phrases and
// links moderators removed again and again, suggested as blocked terms for whoever manages
// terms to accept. Refreshes live.

export default {
  id: "team",
  title: "Team",
  requires: ["view_mod_log"],
  mount(body, ctx) {
    const { el, button, clear, ago } = ctx.dom;
    const days = el("select", { "aria-label": "Period", "data-testid": "team-days" },
      [[1, "Last day"], [7, "Last 7 days"], [30, "Last 30 days"]].map(([v, label]) => el("option", { value: v, selected: v === 7 }, label)));
    const disagreements = el("div", { class: "stack", "data-testid": "team-disagreements" });
    const load = el("table", { class: "table", "data-testid": "team-workload" });
    const suggestions = el("div", { class: "stack", "data-testid": "team-suggestions" });
    body.append(el("div", { class: "toolbar" }, days),
      el("h3", {}, "Disagreements"), disagreements,
      el("h3", {}, "Workload"), el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Workload table", style: { overflowX: "auto", maxWidth: "100%" } }, load),
      ctx.can("manage_terms") ? el("h3", {}, "Suggested terms") : null,
      ctx.can("manage_terms") ? suggestions : null);
    let timer = null;

    function quote(h) {
      return el("div", { class: "row" },
        el("span", { class: `badge ${h.verdict === "allowed" ? "ok" : "danger"}` }, h.verdict),
        el("span", { class: "muted" }, h.moderator_name),
        el("q", { "data-testid": "team-text" }, h.text),
        el("span", { class: "muted" }, ago(h.decided_at)));
    }

    function settleButtons(d) {
      if (!ctx.can("update_automod_settings")) return null;
      const settle = async (action) => {
        const what = action === "deny" ? "block messages with these words" : "permit these words";
        if (!(await ctx.confirm(`Settle it: ${what} in this channel?`, { confirmLabel: action === "deny" ? "Block" : "Permit", danger: action === "deny" }))) return;
        try {
          await ctx.api.post(`/channels/${ctx.seg(ctx.channel)}/calibration/settle`, { item_id: d.first.item_id, action });
          ctx.toast(action === "deny" ? "Blocked term added" : "Permitted term added", "ok");
        } catch (err) {
          ctx.showError(err);
        }
      };
      return el("div", { class: "row" },
        button("Settle: deny these", () => settle("deny"), { class: "btn small", "data-testid": "team-settle-deny" }),
        button("Settle: allow these", () => settle("allow"), { class: "btn ok small", "data-testid": "team-settle-allow" }));
    }

    function disagreement(d) {
      return el("article", { class: "list-item stack", "data-testid": "team-disagreement", dataset: { kind: d.kind } },
        el("p", { "data-testid": "team-explanation" }, d.explanation),
        quote(d.first),
        d.second ? quote(d.second) : null,
        settleButtons(d));
    }

    function seconds(s) {
      if (s === null || s === undefined) return "–";
      return s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;
    }

    function suggestion(s) {
      const add = async () => {
        if (!(await ctx.confirm(`Block messages with ${JSON.stringify(s.term)}?`, { confirmLabel: "Add blocked term" }))) return;
        try {
          await ctx.api.post(`/channels/${ctx.seg(ctx.channel)}/automod/terms`, { text: s.term, kind: "blocked" });
          ctx.toast("Blocked term added", "ok");
          await reloadSuggestions();
        } catch (err) {
          ctx.showError(err);
        }
      };
      return el("article", { class: "list-item stack", "data-testid": "team-suggestion" },
        el("div", { class: "row" }, el("b", { "data-testid": "team-suggested-term" }, s.term), el("span", { class: "badge" }, s.kind)),
        el("p", { class: "muted" }, s.explanation),
        s.examples.map((t) => el("q", { class: "muted" }, t)),
        button("Add as blocked term", add, { class: "btn small", "data-testid": "team-suggestion-add" }));
    }

    async function reloadSuggestions() {
      if (!ctx.can("manage_terms")) return;
      const found = await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/automod/suggestions`);
      clear(suggestions, found.length ? found.map(suggestion) : el("p", { class: "empty" }, "No suggestions."));
    }

    async function reload() {
      try {
        await reloadSuggestions();
        const report = await ctx.api.get(`/channels/${ctx.seg(ctx.channel)}/calibration`, { days: days.value });
        clear(disagreements, report.disagreements.length ? report.disagreements.map(disagreement) : el("p", { class: "empty" }, "No disagreements."));
        const head = el("tr", {}, ["Moderator", "Decided", "Allowed", "Denied", "Actions", "Median wait"].map((h) => el("th", {}, h)));
        const rows = report.workload.map((w) => el("tr", { "data-testid": "team-moderator" },
          [w.moderator_name, w.decisions, w.allowed, w.denied, w.actions, seconds(w.median_decision_s)].map((v) => el("td", {}, String(v)))));
        clear(load, el("thead", {}, head), el("tbody", {}, rows));
      } catch (err) {
        ctx.showError(err);
      }
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(reload, 500);
    }

    days.addEventListener("change", reload);
    ctx.live.on("welcome", reload);
    for (const t of ["automod.message.update", "channel.moderate"]) ctx.live.on(t, soon);
  },
};
