// Shadow mode: a candidate AutoMod configuration runs beside the live one on new chat, with
// no effect on anyone. Shows how often they disagree and how each agrees with what the
// moderators decided (a denied or deleted message was harmful; an allowed hold was fine).
// Lead moderators and the owner set the candidate; definitions in docs/analytics.md.

import { draw } from "./health-charts.js";

const STEP_MS = { minute: 60e3, hour: 3600e3, day: 86400e3 };
const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)} %`);

export default {
  id: "shadow",
  title: "Shadow mode",
  requires: ["view_health"],
  size: "wide",
  css: true,
  mount(body, ctx) {
    const { el, clear, field, button } = ctx.dom;
    const path = `/channels/${ctx.seg(ctx.channel)}/shadow`;
    const manage = ctx.can("manage_shadow");
    const level = el("select", { "aria-label": "Candidate overall level", "data-testid": "shadow-level" },
      el("option", { value: "" }, "keep the live levels"),
      [0, 1, 2, 3, 4].map((n) => el("option", { value: String(n) }, `overall level ${n}`)));
    const model = el("select", { "aria-label": "Candidate model", "data-testid": "shadow-model" },
      el("option", { value: "" }, "the live model"));
    const state = el("p", { "data-testid": "shadow-state" }, "Loading…");
    const summary = el("dl", { class: "shadow-summary", "data-testid": "shadow-summary" });
    const chart = el("div", { class: "shadow-chart", "data-testid": "shadow-chart" });
    const samples = el("ul", { class: "list scroll", "data-testid": "shadow-samples" });
    const save = button("Start shadow test", start, { class: "btn primary", "data-testid": "shadow-save", disabled: !manage });
    const stop = button("Stop", disable, { class: "btn", "data-testid": "shadow-stop", disabled: !manage });

    body.append(
      manage
        ? el("div", { class: "row toolbar" }, field("Levels", level), field("Model", model), save, stop)
        : el("p", { class: "muted" }, "Lead moderators and the owner choose the candidate."),
      state, summary,
      el("h3", {}, "Disagreement per hour"), chart,
      el("h3", {}, "Newest disagreements"), samples);

    async function start() {
      const candidate = {};
      if (level.value !== "") candidate.candidate_settings = { overall_level: Number(level.value) };
      if (model.value) candidate.candidate_model = model.value;
      if (!Object.keys(candidate).length) {
        ctx.toast("Pick a level or a model to test", "info");
        return;
      }
      try {
        await ctx.api.put(path, candidate);
        ctx.toast("Shadow test started on new messages (logged in the mod log)", "ok");
        reload();
      } catch (err) { ctx.showError(err); }
    }

    async function disable() {
      if (!(await ctx.confirm("Stop the shadow test? Its results stay."))) return;
      try {
        await ctx.api.del(path);
        reload();
      } catch (err) { ctx.showError(err); }
    }

    async function reload() {
      try {
        const info = await ctx.api.get(path);
        clear(model, el("option", { value: "" }, "the live model"),
          info.models.map((m) => el("option", { value: m }, m)));
        const res = await ctx.api.get(`${path}/results`, { resolution: "hour" });
        render(info.config, res);
      } catch (err) { ctx.showError(err); }
    }

    async function render(config, res) {
      if (!config) {
        clear(state, "No candidate yet.");
      } else {
        const what = [];
        if (config.candidate_settings) what.push(`settings ${JSON.stringify(config.candidate_settings)}`);
        if (config.candidate_model) what.push(`model ${config.candidate_model}`);
        clear(state, `${config.enabled ? "Running" : "Stopped"}: ${what.join(", ") || "live settings"} (revision ${config.rev}).`);
      }
      const s = res.summary;
      const item = (label, value, id) => el("div", {}, el("dt", {}, label), el("dd", { "data-testid": id }, value));
      clear(summary,
        item("messages compared (24 h)", String(s.evaluated), "shadow-evaluated"),
        item("disagree", `${pct(s.disagreement_rate)} (${s.candidate_stricter} stricter, ${s.candidate_looser} looser)`, "shadow-disagreement"),
        item("live agrees with mods", `${pct(s.live_agreement)} of ${s.judged}`, "shadow-live-agreement"),
        item("candidate agrees with mods", `${pct(s.candidate_agreement)} of ${s.judged}`, "shadow-candidate-agreement"));
      const pts = res.buckets.filter((b) => b.disagreement_rate !== null);
      const step = STEP_MS[res.resolution];
      const last = res.buckets[res.buckets.length - 1];
      const range = res.buckets.length
        ? [res.buckets[0].start, new Date(Date.parse(last.start) + step).toISOString()]
        : undefined;
      await draw(chart, [{ type: "bar", name: "disagreement rate", width: 0.8 * step, x: pts.map((b) => b.start), y: pts.map((b) => b.disagreement_rate) }],
        { xaxis: { type: "date", range, automargin: true }, yaxis: { tickformat: ".0%", rangemode: "tozero" } });
      clear(samples);
      if (!res.samples.length) samples.append(el("li", { class: "empty" }, "No disagreements."));
      for (const x of res.samples) {
        samples.append(el("li", { class: "list-item", "data-testid": "shadow-sample" },
          el("div", {}, el("b", {}, x.sender_name), ": ", x.text),
          el("div", { class: "muted" }, `live: ${x.live_action} · candidate: ${x.candidate_action}`,
            x.verdict ? ` · moderators: ${x.verdict}` : "")));
      }
    }

    ctx.live.on("welcome", reload);
    setInterval(() => { if (document.visibilityState === "visible") reload(); }, 60_000);
  },
};
